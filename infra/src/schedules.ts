import { ArnFormat, CfnOutput, RemovalPolicy, Stack } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { scheduleGroupName, schedulerRoleName } from "@macaque/shared/schedule";

/**
 * Where `macaque schedule` keeps its schedules: their own EventBridge Scheduler
 * schedule group, and the one role they send with, which may do nothing but
 * sqs:SendMessage to the request queue, and may be assumed only by the Scheduler
 * on behalf of schedules in that group (confused-deputy conditions). The queue is
 * encrypted with SQS-managed keys, so no KMS permission is needed.
 */
export class Schedules extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: { prefix: string; requestQueue: IQueue }) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = scheduleGroupName(props.prefix);
    this.group = new ScheduleGroup(this, "Group", {
      scheduleGroupName: groupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const schedulesInGroup = stack.formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `${groupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.role = new Role(this, "SchedulerRole", {
      roleName: schedulerRoleName(props.prefix),
      description: "EventBridge Scheduler sends macaque's scheduled job messages with this role",
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: { "aws:SourceArn": schedulesInGroup },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "SendScheduledJobMessages",
        actions: ["sqs:SendMessage"],
        resources: [props.requestQueue.queueArn],
      }),
    );
    new CfnOutput(scope, "ScheduleGroupName", { value: this.group.scheduleGroupName });
    new CfnOutput(scope, "SchedulerRoleArn", {
      value: this.role.roleArn,
      description: "macaque schedule add sends with this role (MACAQUE_SCHEDULER_ROLE_ARN)",
    });
  }
}
