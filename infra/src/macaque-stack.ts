import { fileURLToPath } from "node:url";
import { CfnOutput, Fn, Stack, Tags, type StackProps } from "aws-cdk-lib";
import {
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  type IVpc,
  type SubnetSelection,
} from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import { Repository } from "aws-cdk-lib/aws-ecr";
import { Cluster, ContainerImage } from "aws-cdk-lib/aws-ecs";
import type { Role } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { QueueRole, ServiceName } from "@macaque/shared";
import { QueueAlarms } from "./alarms.ts";
import { Cache } from "./cache.ts";
import { Controls } from "./controls.ts";
import { FleetEvents } from "./fleet-events.ts";
import { Messaging } from "./messaging.ts";
import { History } from "./history.ts";
import { grantServiceAccess } from "./permissions.ts";
import { serviceNames } from "@macaque/shared";
import { Schedules } from "./schedules.ts";
import { serviceEnvironment } from "./service-environment.ts";
import type { Settings } from "./settings.ts";
import { WorkerService } from "./worker-service.ts";

/** The queue each service's task count follows. */
const scalingQueue: Record<ServiceName, QueueRole> = {
  [ServiceName.producer]: QueueRole.requests,
  [ServiceName.terminator]: QueueRole.terminations,
  [ServiceName.recoveryMonitor]: QueueRole.recovery,
  [ServiceName.notifier]: QueueRole.notifications,
};

/** The repository root: the Docker build context when the stack builds the image itself. */
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface MacaqueStackProps extends StackProps {
  settings: Settings;
}

/** macaque on AWS: the bus, the cache, and the four services on ECS Fargate. */
export class MacaqueStack extends Stack {
  readonly messaging: Messaging;
  readonly services: Record<ServiceName, WorkerService>;
  readonly history: History;

  constructor(scope: Construct, id: string, props: MacaqueStackProps) {
    super(scope, id, props);
    const { settings } = props;
    Tags.of(this).add("app", "macaque");

    const network = this.network(settings);
    this.messaging = new Messaging(this, "Messaging", { prefix: settings.namePrefix });
    new FleetEvents(this, "FleetEvents", {
      queue: this.messaging.queues[QueueRole.fleetEvents].queue,
      prefix: settings.namePrefix,
    });

    const servicesSecurityGroup = new SecurityGroup(this, "ServicesSecurityGroup", {
      vpc: network.vpc,
      description: "macaque services: no inbound; HTTPS to AWS APIs and the cache",
      allowAllOutbound: false,
    });
    servicesSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "AWS APIs and ECR");
    const cache = new Cache(this, "Cache", {
      vpc: network.vpc,
      subnets: network.cacheSubnets,
      clients: servicesSecurityGroup,
      nodeType: settings.cacheNodeType,
      replicas: settings.cacheReplicas,
      snapshotDays: settings.cacheSnapshotDays,
      prefix: settings.namePrefix,
    });
    servicesSecurityGroup.addEgressRule(cache.securityGroup, Port.tcp(6379), "the cache");

    const controls = new Controls(this, "Controls", {
      path: settings.controlParameterPath,
      messaging: this.messaging,
    });
    this.history = new History(this, "History", {
      retentionDays: settings.historyRetentionDays,
      prefix: settings.namePrefix,
    });
    const cluster = new Cluster(this, "Cluster", { vpc: network.vpc });
    const image = this.image(settings);
    this.services = {} as Record<ServiceName, WorkerService>;
    for (const service of serviceNames) {
      const worker = new WorkerService(this, service, {
        service,
        cluster,
        image,
        environment: serviceEnvironment(service, settings, {
          region: this.region,
          redisUrl: cache.url,
          historyBucket: this.history.bucket.bucketName,
        }),
        securityGroup: servicesSecurityGroup,
        subnets: network.serviceSubnets,
        assignPublicIp: network.assignPublicIp,
        scaleOn: this.messaging.queues[scalingQueue[service]].queue,
        maxTasks: settings.maxTasks,
        logRetention: settings.logRetentionDays as RetentionDays,
        cpuArchitecture: settings.cpuArchitecture,
      });
      grantServiceAccess(worker.taskDefinition.taskRole, service, {
        messaging: this.messaging,
        settings,
      });
      controls.grantService(worker.taskDefinition.taskRole, service);
      if (service === ServiceName.notifier)
        this.history.grantArchive(worker.taskDefinition.taskRole);
      if (service === ServiceName.recoveryMonitor) {
        this.history.grantRead(worker.taskDefinition.taskRole);
      }
      if (service === ServiceName.producer) {
        this.history.grantDecisions(worker.taskDefinition.taskRole);
      }
      if (service === ServiceName.terminator) {
        this.history.grantResults(worker.taskDefinition.taskRole);
      }
      this.services[service] = worker;
    }

    new QueueAlarms(this, "Alarms", {
      queues: this.messaging.queues,
      notify: this.messaging.topics.reports,
      oldestMessageSeconds: settings.oldestMessageAlarmSeconds,
    });

    new CfnOutput(this, "RequestQueueUrl", {
      value: this.messaging.queues.requests.queue.queueUrl,
      description: "Send job messages here",
    });
    new CfnOutput(this, "ReportsTopicArn", {
      value: this.messaging.topics.reports.topicArn,
      description: "Subscribe to reports and alarms here",
    });
    new CfnOutput(this, "EventsTopicArn", { value: this.messaging.topics.events.topicArn });
    new CfnOutput(this, "ClusterName", { value: cluster.clusterName });
    new CfnOutput(this, "HistoryBucketName", {
      value: this.history.bucket.bucketName,
      description: "HISTORY_BUCKET for macaque history, show and trend",
    });
    new CfnOutput(this, "HistoryReaderRoleArn", {
      value: this.history.readerRole.roleArn,
      description: "Assume to read the archive (macaque history, show, trend)",
    });
    new CfnOutput(this, "HistoryAthenaTable", {
      value: `${this.history.database.ref}.experiments`,
      description: "Athena table over the archive (partition projection on asg and day)",
    });
    const schedules = new Schedules(this, "Schedules", {
      prefix: settings.namePrefix,
      requestQueue: this.messaging.queues.requests.queue,
    });
    if (settings.allowedSenderIds.length > 0) {
      // Role ids exist only once the roles do: the producer's own (a selector's
      // fan-out sends job messages) and the Scheduler's are added here.
      const producer = this.services[ServiceName.producer].taskDefinition;
      const producerRole = producer.taskRole as Role;
      producer.defaultContainer!.addEnvironment(
        "ALLOWED_SENDER_IDS",
        Fn.join(",", [...settings.allowedSenderIds, producerRole.roleId, schedules.role.roleId]),
      );
    }
  }

  private network(settings: Settings): {
    vpc: IVpc;
    serviceSubnets: SubnetSelection;
    cacheSubnets: SubnetSelection;
    assignPublicIp: boolean;
  } {
    if (settings.vpcId) {
      const vpc = Vpc.fromLookup(this, "Vpc", { vpcId: settings.vpcId });
      return {
        vpc,
        serviceSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        cacheSubnets: {
          subnetType:
            vpc.isolatedSubnets.length > 0
              ? SubnetType.PRIVATE_ISOLATED
              : SubnetType.PRIVATE_WITH_EGRESS,
        },
        assignPublicIp: false,
      };
    }
    // Without NAT gateways the tasks reach AWS through public IPs (no inbound rules).
    const nat = settings.natGateways > 0;
    const vpc = new Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        ...(nat
          ? [{ name: "services", subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }]
          : []),
        { name: "cache", subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
    });
    return {
      vpc,
      serviceSubnets: { subnetType: nat ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PUBLIC },
      cacheSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      assignPublicIp: !nat,
    };
  }

  private image(settings: Settings): ContainerImage {
    if (settings.image) return ContainerImage.fromRegistry(settings.image);
    if (settings.ecrRepository) {
      const repository = Repository.fromRepositoryName(this, "Repository", settings.ecrRepository);
      return ContainerImage.fromEcrRepository(repository, settings.imageTag);
    }
    // Built from this repository's Dockerfile and pushed by `cdk deploy`.
    return ContainerImage.fromAsset(repoRoot, {
      platform: settings.cpuArchitecture === "arm64" ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
    });
  }
}
