import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { MiddlewareStack } from "@smithy/types";
import type { RateLimiter } from "./rate-limit.ts";

/**
 * Every AWS client is built here, with the SDK's own endpoint resolution
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), adaptive retries and hard
 * timeouts. Without `throwOnRequestTimeout` the SDK only warns, and an endpoint
 * that never answers (aws-ses-v2-local does that for actions it lacks) would hang
 * a service forever.
 */
export interface AwsClientOptions {
  region: string;
  /** Attempts including the first; default 5. */
  maxAttempts?: number;
  /** Time to establish a TCP connection; default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Time for a whole request and response; default 10000 ms. Long polls need more. */
  requestTimeoutMs?: number;
  /**
   * Put in the user agent (`app/<id>`), so CloudTrail, and the fleet simulator's
   * call counters, tell which service made a call; e.g. `macaque-producer`.
   */
  appId?: string;
}

export interface AwsClientBaseConfig {
  region: string;
  retryMode: "adaptive";
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
  userAgentAppId?: string;
}

export function awsClientConfig(options: AwsClientOptions): AwsClientBaseConfig {
  return {
    region: options.region,
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      throwOnRequestTimeout: true,
    }),
    ...(options.appId !== undefined && { userAgentAppId: options.appId }),
  };
}

/** `createAwsClient(SQSClient, { region })`: the caller picks the client, so a service loads only the SDKs it uses. */
export function createAwsClient<C>(
  Client: new (config: AwsClientBaseConfig) => C,
  options: AwsClientOptions,
): C {
  return new Client(awsClientConfig(options));
}

/**
 * The SQS client every service uses. It sends each request to the endpoint the
 * SDK resolved (AWS_ENDPOINT_URL_SQS or AWS's own) rather than to the host in the
 * queue URL: stand-ins hand out URLs such as `sqs.us-east-1.localhost`, which not
 * every machine resolves. Long polls (20 s) need the request timeout above 20 s.
 */
export function createSqsClient(options: AwsClientOptions): SQSClient {
  return new SQSClient({
    ...awsClientConfig({
      ...options,
      requestTimeoutMs: Math.max(options.requestTimeoutMs ?? 0, 30_000),
    }),
    useQueueUrlAsEndpoint: false,
  });
}

/**
 * Makes every request of a client (`limitCalls(client.middlewareStack, limiter)`)
 * wait for `limiter` first. It sits after the retry step, so each attempt takes
 * a slot: a throttled call retried three times costs three, as it does in the
 * account's budget. Commands named in `except` (e.g.
 * `TerminateInstanceInAutoScalingGroupCommand`) are left to their caller, which
 * takes the slot itself before its last checks: a terminate call must not wait
 * for a slot after the kill switch was read for it.
 */
export function limitCalls<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  limiter: RateLimiter,
  options: { except?: readonly string[] } = {},
): void {
  const except = new Set(options.except);
  stack.add(
    (next, context) => async (args) => {
      if (!except.has(String(context.commandName))) await limiter.take();
      return next(args);
    },
    { step: "finalizeRequest", name: "macaqueRateLimit" },
  );
}
