/**
 * The two EC2 actions macaque makes, DescribeInstances and TerminateInstances,
 * over EC2's query protocol with the SDK's own signer, credential chain and XML
 * parser. @aws-sdk/client-ec2 describes every EC2 action in one 1.3 MB schema
 * module: loading it costs each process ~55 MB of resident memory and ~0.5 s of
 * start-up, for two actions. Errors look like the SDK's (`name` is EC2's error
 * code, `$metadata.httpStatusCode`, `$fault`), so error handling reads the same.
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { parseXML } from "@aws-sdk/xml-builder";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, SourceData } from "@smithy/types";
import { createHash, createHmac } from "node:crypto";
import type { RateLimiter } from "./rate-limit.ts";

const apiVersion = "2016-11-15";

export interface Ec2QueryOptions {
  region: string;
  /** AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL when set; default EC2's regional endpoint. */
  endpoint?: string;
  /** Default the SDK's chain (environment, profile, container and instance roles). */
  credentials?: AwsCredentialIdentityProvider;
  /** Attempts including the first, for throttling, 5xx and network faults; default 5. */
  maxAttempts?: number;
  /** Time for a whole request and response; default 10000 ms. */
  requestTimeoutMs?: number;
  /**
   * Taken before each DescribeInstances attempt (EC2_CALLS_PER_SECOND). Not before
   * TerminateInstances: its caller takes the slot before its last look at the kill
   * switch, so the call goes out right after that look.
   */
  limiter?: RateLimiter;
  /** Put in the user agent (`app/<id>`), as the SDK clients do. */
  appId?: string;
  /** Waits between attempts; in for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface Ec2Instance {
  instanceId: string;
  /** pending, running, shutting-down, terminated, stopping, stopped. */
  state?: string;
  imageId?: string;
  instanceType?: string;
  tags: Record<string, string>;
}

export interface Ec2Filter {
  name: string;
  values: readonly string[];
}

export interface Ec2Query {
  /** Every instance the filters match, following every page. */
  describeInstances(filters: readonly Ec2Filter[]): Promise<Ec2Instance[]>;
  /** The ids EC2 reports terminating. Takes no slot of the limiter (see `limiter`). */
  terminateInstances(instanceIds: readonly string[]): Promise<string[]>;
}

/** An error EC2 answered with, shaped like the SDK's service exceptions. */
export class Ec2Error extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = code;
    this.$fault = status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: status, ...(requestId && { requestId }) };
  }
}

const throttlingCodes = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException"]);

/** The regional endpoint the SDK would pick (China's regions live under amazonaws.com.cn). */
export const ec2Endpoint = (region: string): string =>
  `https://ec2.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;

/**
 * The endpoint the SDK's own variables name (AWS_ENDPOINT_URL_EC2, then
 * AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true); undefined:
 * EC2's regional endpoint.
 */
export function configuredEc2Endpoint(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return undefined;
  return env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL || undefined;
}

export function createEc2Query(options: Ec2QueryOptions): Ec2Query {
  const url = new URL(options.endpoint ?? ec2Endpoint(options.region));
  const signer = new SignatureV4({
    service: "ec2",
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const userAgent = `macaque-ec2-query${options.appId ? ` app/${options.appId}` : ""}`;

  const attempt = async (body: string, limited: boolean): Promise<Record<string, unknown>> => {
    if (limited) await options.limiter?.take();
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      },
      body,
    });
    const response = await fetch(url, {
      method: "POST",
      headers: { ...signed.headers, "user-agent": userAgent },
      body,
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
    });
    const root = parseXML(await response.text()) as Record<string, unknown>;
    if (response.ok) return (Object.values(root)[0] ?? {}) as Record<string, unknown>;
    const error = dig(root, "Response", "Errors", "Error");
    throw new Ec2Error(
      text(error?.Code) ?? `Http${response.status}`,
      text(error?.Message) ?? `EC2 answered ${response.status}`,
      response.status,
      text(dig(root, "Response")?.RequestID),
    );
  };

  const call = async (
    params: Record<string, string>,
    limited = true,
  ): Promise<Record<string, unknown>> => {
    const body = new URLSearchParams({ ...params, Version: apiVersion }).toString();
    for (let n = 1; ; n++) {
      try {
        return await attempt(body, limited);
      } catch (err) {
        if (n >= maxAttempts || !isRetryable(err)) throw err;
        // Full jitter over 100 ms × 2^n, capped at 20 s, as the SDK's standard retries.
        await sleep(Math.random() * Math.min(20_000, 100 * 2 ** n));
      }
    }
  };

  return {
    async describeInstances(filters) {
      const params: Record<string, string> = {};
      filters.forEach((f, i) => {
        params[`Filter.${i + 1}.Name`] = f.name;
        f.values.forEach((v, j) => (params[`Filter.${i + 1}.Value.${j + 1}`] = v));
      });
      const found: Ec2Instance[] = [];
      let nextToken: string | undefined;
      do {
        const page = await call({
          Action: "DescribeInstances",
          ...params,
          ...(nextToken && { NextToken: nextToken }),
        });
        for (const reservation of items(page.reservationSet)) {
          for (const i of items(dig(reservation, "instancesSet"))) found.push(instanceOf(i));
        }
        nextToken = text(page.nextToken) || undefined;
      } while (nextToken);
      return found;
    },
    async terminateInstances(instanceIds) {
      const params: Record<string, string> = { Action: "TerminateInstances" };
      instanceIds.forEach((id, i) => (params[`InstanceId.${i + 1}`] = id));
      const out = await call(params, false);
      return items(out.instancesSet).flatMap((i) => {
        const id = text(i.instanceId);
        return id ? [id] : [];
      });
    },
  };
}

function instanceOf(i: Record<string, unknown>): Ec2Instance {
  const imageId = text(i.imageId);
  const instanceType = text(i.instanceType);
  const state = text(dig(i, "instanceState")?.name);
  return {
    instanceId: text(i.instanceId) ?? "",
    ...(state && { state }),
    ...(imageId && { imageId }),
    ...(instanceType && { instanceType }),
    tags: Object.fromEntries(items(i.tagSet).map((t) => [text(t.key) ?? "", text(t.value) ?? ""])),
  };
}

/** Throttling, EC2's own faults (5xx) and the network's (no answer at all). */
function isRetryable(err: unknown): boolean {
  if (err instanceof Ec2Error) return err.$fault === "server" || throttlingCodes.has(err.name);
  return err instanceof TypeError || (err instanceof Error && err.name === "TimeoutError");
}

/** A query-protocol list: `<set><item/>...</set>`, which the parser gives as one item or many. */
function items(set: unknown): Record<string, unknown>[] {
  const item = (set as { item?: unknown } | undefined)?.item;
  if (item === undefined || item === null) return [];
  return (Array.isArray(item) ? item : [item]) as Record<string, unknown>[];
}

function dig(node: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let at = node;
  for (const key of path) at = (at as Record<string, unknown> | undefined)?.[key];
  return typeof at === "object" && at !== null ? (at as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
class Sha256 {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
