import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AdjustmentType } from "aws-cdk-lib/aws-applicationautoscaling";
import { MathExpression } from "aws-cdk-lib/aws-cloudwatch";
import type { ISecurityGroup, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import {
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  type ContainerImage,
  type ICluster,
} from "aws-cdk-lib/aws-ecs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { ServiceName } from "@macaque/shared";
import { entryPoint } from "./service-environment.ts";

export interface WorkerServiceProps {
  service: ServiceName;
  cluster: ICluster;
  image: ContainerImage;
  environment: Record<string, string>;
  securityGroup: ISecurityGroup;
  subnets: SubnetSelection;
  assignPublicIp: boolean;
  /** The queue whose backlog decides how many tasks run. */
  scaleOn: IQueue;
  maxTasks: number;
  logRetention: RetentionDays;
  cpuArchitecture: "x86_64" | "arm64";
}

/**
 * One macaque service as a Fargate service: its own task role (granted by the
 * caller), log group, health check, and a task count that follows its queue.
 */
export class WorkerService extends Construct {
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/macaque/${props.environment.MACAQUE_NAME_PREFIX}/${props.service}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new FargateTaskDefinition(this, "Task", {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        operatingSystemFamily: OperatingSystemFamily.LINUX,
        cpuArchitecture:
          props.cpuArchitecture === "arm64" ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
      },
    });
    this.taskDefinition.addContainer("app", {
      containerName: props.service,
      image: props.image,
      command: ["node", entryPoint(props.service)],
      environment: props.environment,
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: props.service }),
      // ECS ignores the image's HEALTHCHECK; this is the same probe.
      healthCheck: {
        command: ["CMD", "node", "deploy/healthcheck.ts"],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      readonlyRootFilesystem: true,
      // SHUTDOWN_TIMEOUT_MS (20 s) for in-flight messages, plus closing connections.
      stopTimeout: Duration.seconds(30),
    });

    this.service = new FargateService(this, "Service", {
      serviceName: `macaque-${props.environment.MACAQUE_NAME_PREFIX}-${props.service}`,
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      securityGroups: [props.securityGroup],
      vpcSubnets: props.subnets,
      assignPublicIp: props.assignPublicIp,
    });

    // Messages in flight count too, so a busy service is not scaled in mid-work.
    const backlog = new MathExpression({
      expression: "visible + inFlight",
      usingMetrics: {
        visible: props.scaleOn.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum" }),
        inFlight: props.scaleOn.metricApproximateNumberOfMessagesNotVisible({
          statistic: "Maximum",
        }),
      },
      period: Duration.minutes(1),
      label: `${props.service} backlog`,
    });
    this.service
      .autoScaleTaskCount({ minCapacity: 1, maxCapacity: props.maxTasks })
      .scaleOnMetric("Backlog", {
        metric: backlog,
        adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
        scalingSteps: [
          { upper: 0, change: -1 },
          { lower: 20, change: +1 },
          { lower: 200, change: +3 },
        ],
        cooldown: Duration.minutes(2),
      });
  }
}
