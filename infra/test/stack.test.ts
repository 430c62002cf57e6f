import { Match } from "aws-cdk-lib/assertions";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  QueueRole,
  ServiceName,
  serviceNames,
  TopicRole,
  deadLetterQueueName,
  queueName,
  subscriptions,
  topicName,
  typeAttribute,
} from "@macaque/shared";
import { checkEnvironment, serviceSchemas } from "./support/environment.ts";
import { resolveValue } from "./support/intrinsics.ts";
import { compiledFrom } from "./support/repo.ts";
import {
  actionsOf,
  ofType,
  referencedIds,
  statementsByRole,
  synthesise,
  tasksByService,
  testEnv,
  type Resource,
  type Statement,
} from "./support/template.ts";

const prefix = "chaos";
const services = serviceNames;
const queueRoles = Object.values(QueueRole);

/** What each service may do with the bus, written out here independently of the stack's own table. */
const expected: Record<
  ServiceName,
  { consumes: QueueRole[]; sendsTo: QueueRole[]; publishesTo: TopicRole[] }
> = {
  producer: {
    consumes: [QueueRole.requests, QueueRole.outcomes],
    sendsTo: [QueueRole.terminations, QueueRole.requests],
    publishesTo: [TopicRole.events],
  },
  terminator: { consumes: [QueueRole.terminations], sendsTo: [], publishesTo: [TopicRole.events] },
  "recovery-monitor": {
    consumes: [QueueRole.recovery, QueueRole.fleetEvents],
    sendsTo: [],
    publishesTo: [TopicRole.events],
  },
  notifier: {
    consumes: [QueueRole.notifications],
    sendsTo: [],
    publishesTo: [TopicRole.events, TopicRole.reports],
  },
};

/**
 * The only actions allowed on `Resource: "*"`: IAM has no resource-level
 * permissions for Describe calls, for sns:ListTopics (resolveTopology finds topics
 * by name), for SES's verification lookup (the notifier's enrolled recipients) or
 * for the ECR login token.
 */
const unscopable = (action: string): boolean =>
  /^(ec2|autoscaling|elasticloadbalancing):Describe[A-Za-z]+$/.test(action) ||
  action === "sns:ListTopics" ||
  action === "ses:GetIdentityVerificationAttributes" ||
  action === "ecr:GetAuthorizationToken";

const terminating = (action: string): boolean =>
  /^ec2:Terminate|^ec2:\*$|^autoscaling:Terminate|^autoscaling:\*$|^\*$/.test(action);

describe("the macaque stack", () => {
  let template: Template;
  let resources: Record<string, Resource>;
  const idOf = {
    queue: (name: string) => findId("AWS::SQS::Queue", "QueueName", name),
    topic: (name: string) => findId("AWS::SNS::Topic", "TopicName", name),
  };
  function findId(type: string, property: string, value: string): string {
    const found = ofType(resources, type).find(([, r]) => r.Properties[property] === value);
    if (!found) throw new Error(`no ${type} with ${property} ${value}`);
    return found[0];
  }

  beforeAll(() => {
    ({ template, resources } = synthesise({
      senderEmail: "chaos@example.com",
      defaultRecipients: "ops@example.com, sre@example.com",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/macaque:test",
    }));
  });

  describe("queues and topics", () => {
    it("creates every queue and dead-letter queue under the shared names", () => {
      const names = ofType(resources, "AWS::SQS::Queue").map(([, r]) => r.Properties.QueueName);
      expect(names.sort()).toEqual(
        queueRoles.flatMap((r) => [queueName(prefix, r), deadLetterQueueName(prefix, r)]).sort(),
      );
    });

    it.each(queueRoles)("redrives %s to its dead-letter queue after 5 receives", (role) => {
      const queue = resources[idOf.queue(queueName(prefix, role))]!;
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: {
          "Fn::GetAtt": [idOf.queue(deadLetterQueueName(prefix, role)), "Arn"],
        },
        maxReceiveCount: 12,
      });
      expect(queue.Properties.VisibilityTimeout).toBe(60);
      const dlq = resources[idOf.queue(deadLetterQueueName(prefix, role))]!;
      expect(dlq.Properties.MessageRetentionPeriod).toBe(1_209_600);
      expect(dlq.Properties.RedrivePolicy).toBeUndefined();
    });

    it("routes AWS's fleet events from the default bus to the fleet-events queue, SSE-SQS", () => {
      const queueId = idOf.queue(queueName(prefix, QueueRole.fleetEvents));
      const [[ruleId, rule]] = ofType(resources, "AWS::Events::Rule") as [[string, Resource]];
      expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus
      expect(rule.Properties.EventPattern).toEqual({
        source: ["aws.autoscaling", "aws.ec2"],
        "detail-type": ["EC2 Instance Launch Successful", "EC2 Instance Terminate Successful"],
        account: [testEnv.account],
      });
      const targets = rule.Properties.Targets as Array<{ Arn: unknown }>;
      expect(targets.map((t) => referencedIds(t.Arn)[0])).toEqual([queueId]);
      // Not the AWS-managed aws/sqs KMS key, which EventBridge cannot use.
      expect(resources[queueId]!.Properties.SqsManagedSseEnabled).toBe(true);
      expect(resources[queueId]!.Properties.KmsMasterKeyId).toBeUndefined();
      const policies = ofType(resources, "AWS::SQS::QueuePolicy").filter(([, p]) =>
        referencedIds(p.Properties.Queues).includes(queueId),
      );
      const statements = policies.flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      const fromRule = statements.find(
        (st) =>
          (st as { Principal?: { Service?: string } }).Principal?.Service ===
          "events.amazonaws.com",
      );
      expect(fromRule?.Effect).toBe("Allow");
      expect([fromRule?.Action].flat()).toContain("sqs:SendMessage");
      // Only this rule may send (aws:SourceArn).
      expect(JSON.stringify(fromRule?.Condition)).toContain(ruleId);
    });

    it("creates both topics under the shared names", () => {
      const names = ofType(resources, "AWS::SNS::Topic").map(([, r]) => r.Properties.TopicName);
      expect(names.sort()).toEqual(
        Object.values(TopicRole)
          .map((r) => topicName(prefix, r))
          .sort(),
      );
    });

    it("subscribes exactly the shared subscriptions, raw, with their type filters", () => {
      const found = ofType(resources, "AWS::SNS::Subscription").map(([, s]) => ({
        topic: referencedIds(s.Properties.TopicArn)[0],
        queue: referencedIds(s.Properties.Endpoint)[0],
        protocol: s.Properties.Protocol,
        raw: s.Properties.RawMessageDelivery,
        filter: s.Properties.FilterPolicy,
      }));
      const wanted = subscriptions.map((s) => ({
        topic: idOf.topic(topicName(prefix, TopicRole.events)),
        queue: idOf.queue(queueName(prefix, s.queue)),
        protocol: "sqs",
        raw: true,
        filter: { [typeAttribute]: [...s.types] },
      }));
      expect(found).toHaveLength(wanted.length);
      expect(found).toEqual(expect.arrayContaining(wanted));
    });

    it("lets only the events topic send to each subscribed queue", () => {
      for (const sub of subscriptions) {
        const queueId = idOf.queue(queueName(prefix, sub.queue));
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: queueId }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Action: "sqs:SendMessage",
                Principal: { Service: "sns.amazonaws.com" },
                Condition: {
                  ArnEquals: { "aws:SourceArn": { Ref: idOf.topic(topicName(prefix, "events")) } },
                },
              }),
            ]),
          },
        });
      }
    });
  });

  describe("alarms", () => {
    const alarms = () => ofType(resources, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const onQueue = (metric: string, queueId: string) =>
      alarms().filter(
        (a) =>
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([
              { Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } },
            ]),
      );
    const reports = () => ({ Ref: idOf.topic(topicName(prefix, TopicRole.reports)) });

    it.each(queueRoles)(
      "alarms on the reports topic when %s's dead-letter queue holds a message",
      (role) => {
        const [alarm, ...more] = onQueue(
          "ApproximateNumberOfMessagesVisible",
          idOf.queue(deadLetterQueueName(prefix, role)),
        );
        expect(more).toHaveLength(0);
        expect(alarm).toMatchObject({
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          AlarmActions: [reports()],
        });
      },
    );

    it.each(queueRoles)("alarms on the reports topic when %s's oldest message is old", (role) => {
      const [alarm] = onQueue("ApproximateAgeOfOldestMessage", idOf.queue(queueName(prefix, role)));
      expect(alarm).toMatchObject({ Threshold: 600, AlarmActions: [reports()] });
    });
  });

  describe("the services", () => {
    it.each(services)("runs %s on Fargate from its compiled entry point", (service) => {
      const task = tasksByService(resources).get(service);
      expect(task?.container.Command).toEqual(["node", `services/${service}/dist/main.js`]);
      expect(compiledFrom(`services/${service}/dist/main.js`)).toBe(
        `services/${service}/src/main.ts`,
      );
      expect(task?.container.HealthCheck.Command).toEqual(["CMD", "node", "deploy/healthcheck.ts"]);
      expect(task?.container.ReadonlyRootFilesystem).toBe(true);
      expect(ofType(resources, "AWS::ECS::Service")).toHaveLength(services.length);
    });

    it.each(services)("logs %s to its own log group with a retention", (service) => {
      const options = tasksByService(resources).get(service)!.container.LogConfiguration.Options;
      const [groupId] = referencedIds(options["awslogs-group"]);
      expect(resources[groupId!]).toMatchObject({
        Type: "AWS::Logs::LogGroup",
        Properties: { LogGroupName: `/macaque/${prefix}/${service}`, RetentionInDays: 30 },
      });
    });

    it.each(services)("gives %s an environment its own config schema accepts", (service) => {
      const types = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
      const container = tasksByService(resources).get(service)!.container;
      const env = Object.fromEntries(
        container.Environment.map((e) => [e.Name, resolveValue(e.Value, { ...testEnv, types })]),
      );
      const { config, unknown } = checkEnvironment(serviceSchemas[service], env);
      expect(unknown).toEqual([]);
      expect(config).toMatchObject({
        AWS_REGION: "eu-west-1",
        MACAQUE_NAME_PREFIX: prefix,
        REDIS_URL: expect.stringMatching(/^rediss:\/\/.+:6379$/),
      });
      if (service === ServiceName.notifier) {
        expect(config).toMatchObject({
          SENDER_EMAIL: "chaos@example.com",
          DEFAULT_RECIPIENTS: ["ops@example.com", "sre@example.com"],
        });
      }
    });

    it.each(services)("scales %s on the backlog of the queue it consumes", (service) => {
      const queueId = idOf.queue(queueName(prefix, expected[service].consumes[0]!));
      const scalingAlarms = ofType(resources, "AWS::CloudWatch::Alarm").filter(([, a]) =>
        JSON.stringify(a.Properties.Metrics ?? []).includes(
          JSON.stringify({ "Fn::GetAtt": [queueId, "QueueName"] }),
        ),
      );
      expect(scalingAlarms.length).toBe(2);
      expect(ofType(resources, "AWS::ApplicationAutoScaling::ScalableTarget")).toHaveLength(4);
      template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
        MinCapacity: 1,
        MaxCapacity: 4,
      });
    });
  });

  describe("the cache", () => {
    it("runs Valkey with TLS, encryption at rest and no eviction", () => {
      const [[, group]] = ofType(resources, "AWS::ElastiCache::ReplicationGroup") as [
        [string, Resource],
      ];
      expect(group.Properties).toMatchObject({
        Engine: "valkey",
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
      });
    });

    it("keeps pending checks and idempotency records through a node's loss: a replica in another zone, failover and daily snapshots", () => {
      const [[, group]] = ofType(resources, "AWS::ElastiCache::ReplicationGroup") as [
        [string, Resource],
      ];
      expect(group.Properties).toMatchObject({
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        SnapshotRetentionLimit: 7,
      });
    });

    it("evicts nothing (BullMQ loses jobs to eviction)", () => {
      const [[, group]] = ofType(resources, "AWS::ElastiCache::ReplicationGroup") as [
        [string, Resource],
      ];
      const [parametersId] = referencedIds(group.Properties.CacheParameterGroupName);
      expect(resources[parametersId!]?.Properties.Properties).toEqual({
        "maxmemory-policy": "noeviction",
      });
    });

    it("lets only the services' security group in", () => {
      const [[, group]] = ofType(resources, "AWS::ElastiCache::ReplicationGroup") as [
        [string, Resource],
      ];
      const [cacheSg] = referencedIds(group.Properties.SecurityGroupIds);
      const inbound = [
        ...((resources[cacheSg!]?.Properties.SecurityGroupIngress as unknown[]) ?? []),
        ...ofType(resources, "AWS::EC2::SecurityGroupIngress")
          .filter(([, r]) => referencedIds(r.Properties.GroupId)[0] === cacheSg)
          .map(([, r]) => r.Properties),
      ];
      const serviceSgs = ofType(resources, "AWS::ECS::Service").flatMap(([, s]) =>
        referencedIds(
          (
            s.Properties.NetworkConfiguration as {
              AwsvpcConfiguration: { SecurityGroups: unknown };
            }
          ).AwsvpcConfiguration.SecurityGroups,
        ),
      );
      expect(inbound).toHaveLength(1);
      expect(inbound[0]).toMatchObject({ FromPort: 6379, ToPort: 6379, IpProtocol: "tcp" });
      const [source] = referencedIds((inbound[0] as Record<string, unknown>).SourceSecurityGroupId);
      expect(new Set(serviceSgs)).toEqual(new Set([source]));
    });
  });

  describe("least privilege", () => {
    let byRole: Map<string, Statement[]>;
    let roleOf: Record<ServiceName, string>;
    beforeAll(() => {
      byRole = statementsByRole(resources);
      const tasks = tasksByService(resources);
      roleOf = Object.fromEntries(services.map((s) => [s, tasks.get(s)!.taskRole])) as Record<
        ServiceName,
        string
      >;
    });
    const all = () => [...byRole.entries()].flatMap(([role, ss]) => ss.map((s) => ({ role, s })));
    const queueIds = (roles: QueueRole[]) =>
      roles.map((r) => idOf.queue(queueName(prefix, r))).sort();

    it("grants no wildcard action", () => {
      for (const { s } of all()) {
        for (const action of actionsOf(s)) expect(action).not.toMatch(/\*/);
      }
    });

    it("grants Resource * only for actions IAM cannot scope", () => {
      for (const { s } of all()) {
        const resourcesOf = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        if (!resourcesOf.includes("*")) continue;
        expect(actionsOf(s).filter((a) => !unscopable(a))).toEqual([]);
      }
    });

    it("lets only the terminator terminate, and only opted-in instances and groups", () => {
      const grants = all().filter(({ s }) => actionsOf(s).some(terminating));
      expect(grants.map((g) => g.role)).toEqual([roleOf.terminator, roleOf.terminator]);
      const byAction = Object.fromEntries(grants.map(({ s }) => [actionsOf(s).join(), s]));
      expect(byAction["ec2:TerminateInstances"]?.Condition).toEqual({
        StringEquals: { "aws:ResourceTag/macaque:enabled": "true" },
      });
      expect(byAction["autoscaling:TerminateInstanceInAutoScalingGroup"]?.Condition).toEqual({
        StringEquals: { "autoscaling:ResourceTag/macaque:enabled": "true" },
      });
    });

    it.each(services)("lets %s consume only its own queues", (service) => {
      const consumed = (byRole.get(roleOf[service]) ?? [])
        .filter((s) => actionsOf(s).includes("sqs:ReceiveMessage"))
        .flatMap((s) => referencedIds(s.Resource));
      expect(consumed.sort()).toEqual(queueIds(expected[service].consumes));
      const deletes = all().filter(({ s }) => actionsOf(s).includes("sqs:DeleteMessage"));
      for (const { role, s } of deletes) {
        const owner = services.find((x) => roleOf[x] === role);
        expect(owner).toBeDefined();
        expect(referencedIds(s.Resource).sort()).toEqual(queueIds(expected[owner!].consumes));
      }
    });

    it.each(services)("lets %s send and publish only where it should", (service) => {
      const statements = byRole.get(roleOf[service]) ?? [];
      const sendsTo = statements
        .filter((s) => actionsOf(s).includes("sqs:SendMessage"))
        .flatMap((s) => referencedIds(s.Resource));
      expect(sendsTo.sort()).toEqual(queueIds(expected[service].sendsTo));
      const publishesTo = statements
        .filter((s) => actionsOf(s).includes("sns:Publish"))
        .flatMap((s) => referencedIds(s.Resource));
      expect(publishesTo.sort()).toEqual(
        expected[service].publishesTo.map((t) => idOf.topic(topicName(prefix, t))).sort(),
      );
    });

    it("lets only the producer and the monitor read target health, and nothing else of ELB", () => {
      const grants = all().filter(({ s }) =>
        actionsOf(s).some((a) => a.startsWith("elasticloadbalancing:")),
      );
      expect(new Set(grants.map((g) => g.role))).toEqual(
        new Set([roleOf.producer, roleOf["recovery-monitor"]]),
      );
      for (const service of [ServiceName.producer, ServiceName.recoveryMonitor]) {
        const elbActions = (byRole.get(roleOf[service]) ?? [])
          .flatMap(actionsOf)
          .filter((a) => a.startsWith("elasticloadbalancing:"));
        expect(elbActions.sort()).toEqual([
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ]);
      }
    });

    it("lets only the producer, the terminator and the monitor read alarms, and only this account's alarms in this region", () => {
      const grants = all().filter(({ s }) => actionsOf(s).some((a) => a.startsWith("cloudwatch:")));
      expect(grants.map((g) => g.role).sort()).toEqual(
        [roleOf.producer, roleOf.terminator, roleOf["recovery-monitor"]].sort(),
      );
      for (const { s } of grants) {
        expect(actionsOf(s)).toEqual(["cloudwatch:DescribeAlarms"]);
        expect(s.Resource).not.toBe("*");
        expect(JSON.stringify(s.Resource)).toContain(
          `:cloudwatch:${testEnv.region}:${testEnv.account}:alarm:*`,
        );
      }
    });

    it("lets only the notifier send mail, from the configured identity and address", () => {
      const grants = all().filter(({ s }) => actionsOf(s).some((a) => a.startsWith("ses:")));
      expect(new Set(grants.map((g) => g.role))).toEqual(new Set([roleOf.notifier]));
      const sesActions = grants.flatMap(({ s }) =>
        actionsOf(s).filter((a) => a.startsWith("ses:")),
      );
      expect(sesActions.sort()).toEqual(["ses:GetIdentityVerificationAttributes", "ses:SendEmail"]);
      const sends = grants.filter(({ s }) => actionsOf(s).includes("ses:SendEmail"));
      expect(sends).toHaveLength(1);
      const s = sends[0]!.s;
      expect(actionsOf(s)).toEqual(["ses:SendEmail"]);
      expect(JSON.stringify(s.Resource)).toContain(":identity/chaos@example.com");
      expect(s.Condition).toEqual({ StringEquals: { "ses:FromAddress": "chaos@example.com" } });
    });

    it("lets only the notifier read who is enrolled: the reports topic's subscribers and SES verification", () => {
      const lists = all().filter(({ s }) => actionsOf(s).includes("sns:ListSubscriptionsByTopic"));
      expect(lists.map((g) => g.role)).toEqual([roleOf.notifier]);
      expect(lists[0]!.s.Resource).toEqual({
        Ref: idOf.topic(topicName(prefix, TopicRole.reports)),
      });
      expect(lists[0]!.s.Condition).toBeUndefined();

      const lookups = all().filter(({ s }) =>
        actionsOf(s).includes("ses:GetIdentityVerificationAttributes"),
      );
      expect(lookups.map((g) => g.role)).toEqual([roleOf.notifier]);
      expect(lookups[0]!.s.Resource).toEqual("*");
      expect(actionsOf(lookups[0]!.s).every(unscopable)).toBe(true);
    });

    it("gives the execution roles only their log groups", () => {
      const tasks = [...tasksByService(resources).values()];
      for (const { executionRole } of tasks) {
        for (const s of byRole.get(executionRole) ?? []) {
          expect(actionsOf(s).sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
        }
      }
    });
  });
});

describe("the macaque stack with other settings", () => {
  let resources: Record<string, Resource>;
  beforeAll(() => {
    ({ resources } = synthesise({
      senderEmail: "chaos@example.com",
      sesIdentity: "example.com",
      ecrRepository: "macaque",
      imageTag: "v1",
      optInTag: "chaos:target=yes",
      natGateways: "0",
      namePrefix: "gameday",
      maxInstancesPerExperiment: "3",
      stopAlarms: "web-5xx, arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-p99",
    }));
  });

  it("conditions termination on the configured opt-in tag", () => {
    const statements = [...statementsByRole(resources).values()].flat();
    const conditions = statements
      .filter((s) => actionsOf(s).some(terminating))
      .map((s) => s.Condition);
    expect(conditions).toEqual([
      { StringEquals: { "aws:ResourceTag/chaos:target": "yes" } },
      { StringEquals: { "autoscaling:ResourceTag/chaos:target": "yes" } },
    ]);
  });

  it("names the queues with the prefix and tells the producer the same guardrails", () => {
    const names = ofType(resources, "AWS::SQS::Queue").map(([, r]) => r.Properties.QueueName);
    expect(names).toContain("gameday-requests");
    const producer = tasksByService(resources).get(ServiceName.producer)!.container;
    expect(producer.Environment).toEqual(
      expect.arrayContaining([
        { Name: "OPT_IN_TAG", Value: "chaos:target=yes" },
        { Name: "MAX_INSTANCES_PER_EXPERIMENT", Value: "3" },
        { Name: "MACAQUE_NAME_PREFIX", Value: "gameday" },
        {
          Name: "STOP_ALARMS",
          Value: "web-5xx,arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-p99",
        },
      ]),
    );
  });

  it("pulls from ECR with only the pull permissions on the repository", () => {
    const statements = [...statementsByRole(resources).values()].flat();
    const pulls = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("ecr:")));
    expect(pulls.length).toBeGreaterThan(0);
    for (const s of pulls) {
      const wildcard = s.Resource === "*";
      expect(wildcard ? actionsOf(s) : ["scoped"]).toEqual(
        wildcard ? ["ecr:GetAuthorizationToken"] : ["scoped"],
      );
    }
    const ses = statements.find((s) => actionsOf(s).includes("ses:SendEmail"));
    expect(JSON.stringify(ses?.Resource)).toContain(":identity/example.com");
  });

  it("runs the tasks in public subnets with public IPs when there is no NAT gateway", () => {
    expect(ofType(resources, "AWS::EC2::NatGateway")).toHaveLength(0);
    for (const [, service] of ofType(resources, "AWS::ECS::Service")) {
      expect(service.Properties.NetworkConfiguration).toMatchObject({
        AwsvpcConfiguration: { AssignPublicIp: "ENABLED" },
      });
    }
  });
});
