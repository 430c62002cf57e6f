import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { awsClientConfig } from "@macaque/shared";
import { sandboxCredentials } from "@macaque/sandbox";

/** A name prefix no other test run uses. */
export const uniquePrefix = (label: string): string =>
  `t-${label}-${randomBytes(4).toString("hex")}`;

/** Real SDK clients pointed at a sandbox endpoint. */
export function sandboxClient<C>(
  Client: new (
    config: ReturnType<typeof awsClientConfig> & {
      endpoint: string;
      credentials: typeof sandboxCredentials;
    },
  ) => C,
  endpoint: string,
  extra: Record<string, unknown> = {},
): C {
  return new Client({
    ...awsClientConfig({ region: "us-east-1" }),
    endpoint,
    credentials: sandboxCredentials,
    ...extra,
  });
}

export const sqsAt = (endpoint: string) =>
  sandboxClient(SQSClient, endpoint, { useQueueUrlAsEndpoint: false });
export const snsAt = (endpoint: string) => sandboxClient(SNSClient, endpoint);

/** Polls until `check` returns a value, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
