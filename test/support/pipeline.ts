import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { createFleetSimControl, type CreateGroupRequest } from "@macaque/fleet-sim";
import {
  defaultTags,
  experimentIdFor,
  openEventTap,
  type AnyCloudEvent,
  type EventType,
  type JobMessageInput,
} from "@macaque/shared";
import { startServices, startStack, type ServiceOptions, type Stack } from "@macaque/sandbox";
import { snsAt, sqsAt, subscribeQueue, uniquePrefix } from "./aws.ts";

export type EventOf<T extends EventType> = Extract<AnyCloudEvent, { type: T }>;

/**
 * The whole system for end-to-end tests: the sandbox stand-ins, the four
 * services as separate processes, a tap on the events topic and a queue
 * subscribed to the reports topic.
 */
export async function startPipeline(
  options: { timeScale?: number; services?: ServiceOptions } = {},
) {
  const stack: Stack = await startStack({
    prefix: uniquePrefix("e2e"),
    timeScale: options.timeScale ?? 0.01,
  });
  try {
    const services = await startServices(stack, options.services);
    const sqs = sqsAt(stack.endpoints.sqs);
    const sns = snsAt(stack.endpoints.sns);
    const tap = await openEventTap({
      sqs,
      sns,
      topicArn: stack.topology.topics.events.arn,
      queueName: `${stack.prefix}-tap`,
    });
    const reportsQueue = await subscribeQueue(
      { sqs, sns },
      stack.topology.topics.reports.arn,
      `${stack.prefix}-reports-inbox`,
    );
    const sim = createFleetSimControl(stack.endpoints.fleetSim);

    const createGroup = async (request: Omit<CreateGroupRequest, "name"> & { name?: string }) => {
      const name = request.name ?? `g-${randomBytes(3).toString("hex")}`;
      await sim.createGroup({
        ...request,
        name,
        tags: request.tags ?? { [defaultTags.optInKey]: defaultTags.optInValue },
      });
      return name;
    };

    /** Sends a job message (a raw string is sent as is) and returns its experiment id. */
    const submit = async (job: JobMessageInput | string, requestId?: string) => {
      const body =
        typeof job === "string"
          ? job
          : JSON.stringify({
              ...job,
              requestId: job.requestId ?? requestId ?? `req-${randomBytes(6).toString("hex")}`,
            });
      const sent = await sqs.send(
        new SendMessageCommand({ QueueUrl: stack.topology.queues.requests.url, MessageBody: body }),
      );
      return experimentIdFor(requestIdOf(body) ?? sent.MessageId!);
    };

    const waitForEvent = <T extends EventType>(experimentId: string, type: T, timeoutMs = 30_000) =>
      tap.waitFor((e): e is EventOf<T> => e.subject === experimentId && e.type === type, timeoutMs);

    const eventsOf = (experimentId: string) => tap.seen.filter((e) => e.subject === experimentId);

    const reportSummaries = async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: reportsQueue,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      return (out.Messages ?? []).map((m) => m.Body ?? "");
    };

    /** Sum of a counter on a service's /metrics, e.g. messages it handled. */
    const metric = async (service: keyof typeof services, name: string) => {
      const text = await (await fetch(`${services[service].ready}/metrics`)).text();
      return text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
    };

    return {
      stack,
      services,
      metric,
      sim,
      sqs,
      sns,
      tap,
      createGroup,
      submit,
      waitForEvent,
      eventsOf,
      reportSummaries,
      stop: async () => {
        await tap.close().catch(() => undefined);
        sqs.destroy();
        sns.destroy();
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/** The requestId a body names, if it is JSON that names one (the producer reads it the same way). */
function requestIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { requestId?: unknown }).requestId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
