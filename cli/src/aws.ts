import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { SESClient } from "@aws-sdk/client-ses";
import { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  TopologyError,
  createAwsClient,
  createSqsClient,
  resolveTopology,
  type Topology,
} from "@macaque/shared";
import type { CliConfig } from "./config.ts";
import { InfrastructureError } from "./errors.ts";

/** AWS clients, made when first used: `recipients` never loads Auto Scaling, `watch` never SES. */
export interface Aws {
  sqs(): SQSClient;
  sns(): SNSClient;
  autoScaling(): AutoScalingClient;
  ses(): SESClient;
  /** The queues and topics, looked up once; missing ones are an InfrastructureError. */
  topology(): Promise<Topology>;
  destroy(): void;
}

export function createAws(config: CliConfig): Aws {
  const base = {
    region: config.AWS_REGION,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
  };
  const made: { destroy(): void }[] = [];
  const lazy = <C extends { destroy(): void }>(make: () => C): (() => C) => {
    let client: C | undefined;
    return () => {
      if (!client) made.push((client = make()));
      return client;
    };
  };
  const sqs = lazy(() => createSqsClient(base));
  const sns = lazy(() => createAwsClient(SNSClient, base));
  let topology: Promise<Topology> | undefined;
  return {
    sqs,
    sns,
    autoScaling: lazy(() => createAwsClient(AutoScalingClient, base)),
    ses: lazy(() => createAwsClient(SESClient, base)),
    topology: () =>
      (topology ??= resolveTopology({
        sqs: sqs(),
        sns: sns(),
        prefix: config.MACAQUE_NAME_PREFIX,
      }).catch((err: unknown) => {
        if (err instanceof TopologyError)
          throw new InfrastructureError(err.message, { cause: err });
        throw err;
      })),
    destroy: () => made.splice(0).forEach((client) => client.destroy()),
  };
}
