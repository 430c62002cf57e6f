import { ListSubscriptionsByTopicCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { experimentIdFor } from "@macaque/shared";
import { waitFor } from "../../test/support/wait.ts";

export const binFile = fileURLToPath(new URL("../bin/macaque.js", import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `text` has appeared on stdout or stderr. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `macaque` through its bin shim, as `npx macaque` does. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string; command?: string; commandArgs?: string[] } = {},
): CliRun {
  const child = spawn(
    options.command ?? process.execPath,
    options.commandArgs ?? [binFile, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((w) => w());
  child.stdout!.on("data", (d: Buffer) => ((out += d.toString()), notify()));
  child.stderr!.on("data", (d: Buffer) => ((err += d.toString()), notify()));
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (text, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const has = () => {
          const all = stripAnsi(out + err);
          return typeof text === "string" ? all.includes(text) : text.test(all);
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${String(text)} in output:\n${stripAnsi(out)}\n${err}`));
        }, timeoutMs);
        const check = () => {
          if (!has()) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
        void exited.then(() => setTimeout(check, 0));
      }),
  };
}

// Terminal escape sequences are exactly what is being removed.
// eslint-disable-next-line no-control-regex
const ansiSequence = /\x1b\[[0-9;?]*[A-Za-z]/g;
export const stripAnsi = (text: string): string =>
  text.replace(ansiSequence, "").replace(/\r/g, "");

/** Plays the producer's part: takes the next job message off the requests queue. */
export const takeRequest = (
  sqs: SQSClient,
  queueUrl: string,
  timeoutMs = 20_000,
): Promise<{ body: Record<string, unknown>; experimentId: string }> =>
  // Each read is a long poll already: no pause between them.
  waitFor(
    `a job message on ${queueUrl}`,
    async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 1,
        }),
      );
      const message = out.Messages?.[0];
      if (!message) return undefined;
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
      );
      const body = JSON.parse(message.Body!) as Record<string, unknown>;
      const requestId = typeof body.requestId === "string" ? body.requestId : message.MessageId!;
      return { body, experimentId: experimentIdFor(requestId) };
    },
    { timeoutMs, everyMs: 0 },
  );

/** Ephemeral queues the CLI left behind (it should leave none). */
export async function leftoverQueues(sqs: SQSClient, prefix: string): Promise<string[]> {
  const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-cli-` }));
  return out.QueueUrls ?? [];
}

/** Subscriptions on the events topic other than the topology's own queues. */
export async function extraSubscriptions(
  sns: SNSClient,
  topicArn: string,
  ownQueueArns: readonly string[],
): Promise<string[]> {
  const extra: string[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const s of page.Subscriptions ?? []) {
      if (!ownQueueArns.includes(s.Endpoint ?? "")) extra.push(s.Endpoint ?? "");
    }
    token = page.NextToken;
  } while (token);
  return extra;
}
