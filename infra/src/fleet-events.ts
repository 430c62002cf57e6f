import { Stack } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { wakeDetailTypes } from "@macaque/shared";

/**
 * AWS's own events about the fleet, which Auto Scaling puts on the account's
 * default EventBridge bus without being asked, routed to the
 * fleet-events queue: the recovery-monitor wakes on them (DETECTION_MODE=events)
 * instead of waiting for its next check.
 *
 * The queue is encrypted with SQS-managed keys (SSE-SQS), like every macaque
 * queue. It must not be encrypted with the AWS-managed KMS key `aws/sqs`: that
 * key's policy cannot be changed to let events.amazonaws.com use it, and
 * EventBridge then drops every delivery without an error anywhere but its own
 * failed-invocation metric. A customer-managed key would do, with a key policy
 * granting EventBridge kms:GenerateDataKey and kms:Decrypt.
 */
export class FleetEvents extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: { queue: Queue; prefix: string }) {
    super(scope, id);
    this.rule = new Rule(this, "Rule", {
      ruleName: `${props.prefix}-fleet-events`,
      description: "Auto Scaling launches and terminations, EC2 state changes: macaque's wake-ups",
      eventPattern: {
        source: ["aws.autoscaling", "aws.ec2"],
        // Not EC2's state changes: they wake nothing (see wakeDetailTypes).
        detailType: [...wakeDetailTypes],
        account: [Stack.of(this).account],
      },
    });
    // Adds the queue policy: events.amazonaws.com may send, from this rule only (aws:SourceArn).
    this.rule.addTarget(new SqsQueue(props.queue));
  }
}
