import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { QueueRole } from "@macaque/shared";
import type { MacaqueQueue } from "./messaging.ts";

/**
 * Two alarms per queue, both announced on the reports topic (where report
 * subscribers already listen): a message in its dead-letter queue means a service
 * gave up on it; an old message means a service stopped consuming.
 */
export class QueueAlarms extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: {
      queues: Record<QueueRole, MacaqueQueue>;
      notify: ITopic;
      oldestMessageSeconds: number;
    },
  ) {
    super(scope, id);
    const action = new SnsAction(props.notify);
    for (const [role, { queue, deadLetter }] of Object.entries(props.queues)) {
      const dead = new Alarm(this, `${role}-dead-letters`, {
        alarmDescription: `Messages in ${deadLetter.queueName}: a macaque service gave up on them.`,
        metric: deadLetter.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const stale = new Alarm(this, `${role}-oldest-message`, {
        alarmDescription: `The oldest message in ${queue.queueName} waited over ${props.oldestMessageSeconds} s: is its consumer running?`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: props.oldestMessageSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      for (const alarm of [dead, stale]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
