import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SESClient } from "@aws-sdk/client-ses";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  TopologyError,
  createAwsClient,
  createSqsClient,
  resolveTopology,
  type Topology,
} from "@macaque/shared";
import {
  NODE_REGION_CONFIG_FILE_OPTIONS,
  NODE_REGION_CONFIG_OPTIONS,
  loadConfig,
} from "@smithy/core/config";
import {
  StandInOnlyError,
  explainErrors,
  isAwsHost,
  recordEndpoints,
  refuseEndpoint,
  type AwsService,
  type Pluggable,
} from "./aws-middleware.ts";
import type { CliConfig } from "./config.ts";
import { InfrastructureError, InvalidInputError } from "./errors.ts";

/** AWS clients, made when first used: `recipients` never loads Auto Scaling, `watch` never SES. */
export interface Aws {
  /** The region every client uses, resolved as the AWS CLI does. */
  region: string;
  sqs(): SQSClient;
  sns(): SNSClient;
  autoScaling(): AutoScalingClient;
  /** Only for a group behind target groups: its target health, before asking. */
  elb(): ElasticLoadBalancingV2Client;
  ses(): SESClient;
  /** Parameter Store: the kill switch, the aborts and the in-flight notes. */
  ssm(): SSMClient;
  /** EventBridge Scheduler: `macaque schedule`. */
  scheduler(): SchedulerClient;
  /** The queues and topics, looked up once; missing ones are an InfrastructureError. */
  topology(): Promise<Topology>;
  /** The endpoint a service's last request went to, e.g. `http://127.0.0.1:4566`. */
  endpointOf(service: AwsService): string | undefined;
  /** The account the credentials belong to (STS GetCallerIdentity) and the caller's ARN, or why it is unknown. */
  account(): Promise<{ id: string; arn?: string } | { unknown: string }>;
  destroy(): void;
}

export type { AwsService };

/**
 * The region as the AWS CLI finds it: AWS_REGION, then AWS_DEFAULT_REGION
 * (which the JavaScript SDK alone ignores), then the profile's `region`
 * (AWS_PROFILE, AWS_CONFIG_FILE) through the SDK's own resolution.
 */
export async function resolveRegion(config: CliConfig): Promise<string> {
  const explicit = config.AWS_REGION ?? config.AWS_DEFAULT_REGION;
  if (explicit) return explicit;
  // The SDK's own profile lookup; the environment was read above, where an
  // empty AWS_REGION counts as unset rather than as a region named "".
  const fromProfile = loadConfig(
    { ...NODE_REGION_CONFIG_OPTIONS, environmentVariableSelector: () => undefined },
    NODE_REGION_CONFIG_FILE_OPTIONS,
  );
  try {
    return await fromProfile();
  } catch (err) {
    throw new InvalidInputError(
      "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in the AWS profile (AWS_PROFILE)",
      [],
      { cause: err },
    );
  }
}

export function createAws(config: CliConfig, region: string): Aws {
  const base = {
    region,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
  };
  const endpoints = new Map<AwsService, string>();
  const made: { destroy(): void }[] = [];
  const lazy = <C extends Pluggable & { destroy(): void }>(
    service: AwsService,
    make: () => C,
  ): (() => C) => {
    let client: C | undefined;
    return () => {
      if (!client) {
        client = explainErrors(recordEndpoints(make(), service, endpoints), service, endpoints);
        made.push(client);
      }
      return client;
    };
  };
  const sqs = lazy("SQS", () => createSqsClient(base));
  const sns = lazy("SNS", () => createAwsClient(SNSClient, base));
  // Stand-in credentials are never shown to AWS: once any request went to a
  // stand-in, STS is asked only where AWS_ENDPOINT_URL(_STS) points.
  const sts = lazy("STS", () =>
    refuseEndpoint(
      createAwsClient(STSClient, { ...base, maxAttempts: 1 }),
      (endpoint) => isAwsHost(endpoint) && [...endpoints.values()].some((e) => !isAwsHost(e)),
    ),
  );
  let topology: Promise<Topology> | undefined;
  return {
    region,
    sqs,
    sns,
    autoScaling: lazy("Auto Scaling", () => createAwsClient(AutoScalingClient, base)),
    elb: lazy("Elastic Load Balancing V2", () =>
      createAwsClient(ElasticLoadBalancingV2Client, base),
    ),
    ses: lazy("SES", () => createAwsClient(SESClient, base)),
    ssm: lazy("SSM", () => createAwsClient(SSMClient, base)),
    scheduler: lazy("Scheduler", () => createAwsClient(SchedulerClient, base)),
    topology: () =>
      (topology ??= resolveTopology({
        sqs: sqs(),
        sns: sns(),
        prefix: config.MACAQUE_NAME_PREFIX,
      }).catch((err: unknown) => {
        if (err instanceof TopologyError) {
          // A right name in the wrong region or account looks just like a missing one.
          throw new InfrastructureError(`${err.message} (region ${region})`, { cause: err });
        }
        throw err;
      })),
    endpointOf: (service) => endpoints.get(service),
    account: async () => {
      try {
        const out = await sts().send(new GetCallerIdentityCommand({}));
        if (!out.Account) return { unknown: "STS named no account" };
        return out.Arn ? { id: out.Account, arn: out.Arn } : { id: out.Account };
      } catch (err) {
        if (err instanceof StandInOnlyError) {
          return {
            unknown: "the other endpoints are stand-ins; set AWS_ENDPOINT_URL_STS to ask one",
          };
        }
        return { unknown: err instanceof Error ? err.message : String(err) };
      }
    },
    destroy: () => made.splice(0).forEach((client) => client.destroy()),
  };
}

/** Where the CLI is pointed: printed before anything is sent. */
export async function describeTarget(aws: Aws, service: AwsService): Promise<string> {
  const account = await aws.account();
  const who = "id" in account ? `account ${account.id}` : `account unknown (${account.unknown})`;
  const endpoint = aws.endpointOf(service) ?? "AWS";
  return `${who}, region ${aws.region}, ${service} endpoint ${endpoint}`;
}
