import { Stack } from "aws-cdk-lib";
import { PolicyStatement, type IRole } from "aws-cdk-lib/aws-iam";
import { QueueRole, ServiceName, TopicRole } from "@macaque/shared";
import type { Messaging } from "./messaging.ts";
import type { Settings } from "./settings.ts";

/** What each service does with the bus and the fleet; everything else is denied by omission. */
interface ServiceAccess {
  consumes: QueueRole[];
  sendsTo: QueueRole[];
  publishesTo: TopicRole[];
  /**
   * Describe calls. These have no resource-level permissions in IAM (AWS
   * supports only `*` for them), so they are the one place a role gets `*`.
   */
  describes: string[];
  /** Reads the experiment's stop-condition alarms (cloudwatch:DescribeAlarms). */
  readsAlarms: boolean;
}

/** The steady-state gate and the `serving` milestone read the group's target groups. */
const targetHealthReads = [
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTargetGroups",
];

export const serviceAccess: Record<ServiceName, ServiceAccess> = {
  [ServiceName.producer]: {
    consumes: [QueueRole.requests, QueueRole.outcomes],
    // requests: a selector request's fan-out, one job message per matching group.
    sendsTo: [QueueRole.terminations, QueueRole.requests],
    publishesTo: [TopicRole.events],
    describes: [
      "autoscaling:DescribeAutoScalingGroups",
      "ec2:DescribeInstances",
      ...targetHealthReads,
    ],
    readsAlarms: true,
  },
  [ServiceName.terminator]: {
    consumes: [QueueRole.terminations],
    sendsTo: [],
    publishesTo: [TopicRole.events],
    describes: ["autoscaling:DescribeAutoScalingInstances", "ec2:DescribeInstances"],
    readsAlarms: true,
  },
  [ServiceName.recoveryMonitor]: {
    // fleet-events: AWS's own events, the wake-ups of DETECTION_MODE=events (fleet-events.ts).
    consumes: [QueueRole.recovery, QueueRole.fleetEvents],
    sendsTo: [],
    publishesTo: [TopicRole.events],
    describes: ["autoscaling:DescribeAutoScalingGroups", ...targetHealthReads],
    readsAlarms: true,
  },
  [ServiceName.notifier]: {
    consumes: [QueueRole.notifications],
    sendsTo: [],
    // report.sent goes to the events topic; the summaries to the reports topic.
    publishesTo: [TopicRole.events, TopicRole.reports],
    describes: [],
    readsAlarms: false,
  },
};

/**
 * Actions that IAM cannot narrow to a resource, with why each is needed; the
 * tests allow `Resource: "*"` for these and nothing else.
 */
export const unscopableActions = {
  describe: [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "ec2:DescribeInstances",
    ...targetHealthReads,
  ],
  /** resolveTopology() finds the topics by name; ListTopics takes no resource. */
  topicLookup: ["sns:ListTopics"],
  /**
   * The notifier mails only subscribers to the reports topic whom SES has
   * verified; the verification lookup takes no resource.
   */
  verificationLookup: ["ses:GetIdentityVerificationAttributes"],
} as const;

export function grantServiceAccess(
  role: IRole,
  service: ServiceName,
  context: { messaging: Messaging; settings: Settings },
): void {
  const { messaging, settings } = context;
  const access = serviceAccess[service];
  const add = (statement: PolicyStatement) => role.addToPrincipalPolicy(statement);

  // resolveTopology() looks every queue up by name at start, but only reads metadata.
  add(
    new PolicyStatement({
      actions: ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
      resources: messaging.allQueues().map((q) => q.queueArn),
    }),
  );
  add(new PolicyStatement({ actions: [...unscopableActions.topicLookup], resources: ["*"] }));

  for (const queue of access.consumes) messaging.queues[queue].queue.grantConsumeMessages(role);
  for (const queue of access.sendsTo) messaging.queues[queue].queue.grantSendMessages(role);
  for (const topic of access.publishesTo) messaging.topics[topic].grantPublish(role);
  if (access.describes.length > 0) {
    add(new PolicyStatement({ actions: access.describes, resources: ["*"] }));
  }

  if (access.readsAlarms) grantReadingAlarms(role);
  if (service === ServiceName.terminator) grantTermination(role, settings);
  if (service === ServiceName.notifier) {
    grantSendingMail(role, settings);
    grantReadingEnrolment(role, messaging);
  }
}

/**
 * The terminator alone may terminate, and only what carries the opt-in tag. EC2
 * instances carry the group's tag when it is set with PropagateAtLaunch, which
 * opting a group in requires.
 */
function grantTermination(role: IRole, settings: Settings): void {
  const { partition, region, account } = Stack.of(role);
  const { key, value } = settings.optInTag;
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["ec2:TerminateInstances"],
      resources: [`arn:${partition}:ec2:${region}:${account}:instance/*`],
      conditions: { StringEquals: { [`aws:ResourceTag/${key}`]: value } },
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["autoscaling:TerminateInstanceInAutoScalingGroup"],
      resources: [
        `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`,
      ],
      conditions: { StringEquals: { [`autoscaling:ResourceTag/${key}`]: value } },
    }),
  );
}

/**
 * Stop conditions: DescribeAlarms supports resource-level permissions (resource
 * type `alarm`), so it is granted on the account's alarms in the stack's region
 * and nothing else. Which alarms an experiment names is decided at run time (the
 * job message, STOP_ALARMS), hence `alarm:*`. Composite alarms stay out of reach:
 * CloudWatch returns them only when DescribeAlarms is granted on `*`.
 */
function grantReadingAlarms(role: IRole): void {
  const { partition, region, account } = Stack.of(role);
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["cloudwatch:DescribeAlarms"],
      resources: [`arn:${partition}:cloudwatch:${region}:${account}:alarm:*`],
    }),
  );
}

/** SES v1 SendEmail, from the configured identity and address only. */
function grantSendingMail(role: IRole, settings: Settings): void {
  const { partition, region, account } = Stack.of(role);
  const identity = settings.sesIdentity ?? settings.senderEmail;
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [`arn:${partition}:ses:${region}:${account}:identity/${identity}`],
      conditions: { StringEquals: { "ses:FromAddress": settings.senderEmail } },
    }),
  );
}

/**
 * Who `macaque recipients add` enrolled: the reports topic's subscriptions (that
 * topic only) and whether SES has verified each address.
 */
function grantReadingEnrolment(role: IRole, messaging: Messaging): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["sns:ListSubscriptionsByTopic"],
      resources: [messaging.topics[TopicRole.reports].topicArn],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...unscopableActions.verificationLookup], resources: ["*"] }),
  );
}
