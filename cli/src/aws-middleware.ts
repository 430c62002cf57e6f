import type { HttpRequest, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { InfrastructureError, InvalidInputError } from "./errors.ts";

/**
 * What the CLI adds to each SDK client, as middleware, because the SDK
 * resolves the endpoint per request: a record of where requests went (shown
 * before anything is sent), a guard that keeps stand-in credentials away from
 * AWS, and errors that name the service, the endpoint and the variable to
 * change instead of a bare `connect ECONNREFUSED 127.0.0.1:1`.
 */

export type AwsService =
  | "SQS"
  | "SNS"
  | "SES"
  | "Auto Scaling"
  | "Elastic Load Balancing V2"
  | "STS"
  | "SSM"
  | "S3"
  | "Scheduler";

/** What the middleware needs of any SDK client. */
export interface Pluggable {
  middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, "add">;
}

export const isAwsHost = (endpoint: string): boolean =>
  /\.amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);

export class StandInOnlyError extends Error {
  override name = "StandInOnlyError";
}

const endpointOfRequest = (request: unknown): string | undefined => {
  const r = request as Partial<HttpRequest>;
  if (!r.hostname) return undefined;
  return `${r.protocol ?? "https:"}//${r.hostname}${r.port ? `:${r.port}` : ""}`;
};

/** Records the endpoint each request actually goes to. */
export function recordEndpoints<C extends Pluggable>(
  client: C,
  service: AwsService,
  endpoints: Map<AwsService, string>,
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const endpoint = endpointOfRequest(args.request);
      if (endpoint) endpoints.set(service, endpoint);
      return next(args);
    },
    { step: "finalizeRequest", name: "macaqueRecordEndpoint", priority: "low" },
  );
  return client;
}

/** Refuses, before credentials are read or a request is signed, an endpoint `refuse` names. */
export function refuseEndpoint<C extends Pluggable>(
  client: C,
  refuse: (endpoint: string) => boolean,
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const endpoint = endpointOfRequest(args.request);
      if (endpoint && refuse(endpoint)) throw new StandInOnlyError(endpoint);
      return next(args);
    },
    { step: "build", name: "macaqueStandInGuard", priority: "low" },
  );
  return client;
}

/** Network failures by Node's error code, said plainly. */
const networkFailures: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
  ETIMEDOUT: "timed out connecting",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The SDK's variables for a service's endpoint, most specific first. */
export const endpointVariables = (service: AwsService): string =>
  `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/ /g, "_")} / AWS_ENDPOINT_URL`;

/**
 * Outermost, so the SDK's retries run first and only their final failure is
 * explained: unreachable endpoints become an InfrastructureError (exit 3),
 * missing credentials invalid input (exit 2: the environment is wrong).
 */
export function explainErrors<C extends Pluggable>(
  client: C,
  service: AwsService,
  endpoints: ReadonlyMap<AwsService, string>,
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw explainError(err, service, endpoints.get(service));
      }
    },
    { step: "initialize", name: "macaqueExplainErrors", priority: "high" },
  );
  return client;
}

export function explainError(err: unknown, service: AwsService, endpoint: string | undefined) {
  if (!(err instanceof Error)) return err;
  if (err.name === "CredentialsProviderError") {
    return new InvalidInputError(
      `no AWS credentials for ${service}: set AWS_PROFILE (a profile in the AWS config files), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      [err.message],
      { cause: err },
    );
  }
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const why =
    networkFailures[code] ?? (err.name === "TimeoutError" ? "no answer in time" : undefined);
  if (why === undefined) return err;
  return new InfrastructureError(
    `could not reach ${service} at ${endpoint ?? "its AWS endpoint"} (${endpointVariables(service)}): ${why}`,
    { cause: err },
  );
}
