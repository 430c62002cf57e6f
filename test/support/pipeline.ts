import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { createFleetSimControl, type CreateGroupRequest } from "@macaque/fleet-sim";
import { defaultTags, experimentIdFor, type JobMessageInput } from "@macaque/shared";
import type { ServiceName } from "@macaque/shared";
import { startStack, type Stack } from "@macaque/sandbox";
import { snsAt, sqsAt, uniquePrefix } from "./aws.ts";
import { openTestTap } from "./event-tap.ts";
import { openReportsInbox } from "./reports-inbox.ts";
import { startTestServices, type TestServiceOptions } from "./processes.ts";

export type { EventOf } from "./event-tap.ts";

/**
 * The whole system for end-to-end tests: the sandbox stand-ins, the four
 * services as separate processes, a tap on the events topic and an inbox on
 * the reports topic.
 */
export async function startPipeline(
  options: { timeScale?: number; services?: TestServiceOptions; redisUrl?: string } = {},
) {
  const stack: Stack = await startStack({
    prefix: uniquePrefix("e2e"),
    timeScale: options.timeScale ?? 0.01,
    ...(options.redisUrl && { redisUrl: options.redisUrl }),
  });
  try {
    const services = await startTestServices(stack, options.services);
    const sqs = sqsAt(stack.endpoints.sqs);
    const sns = snsAt(stack.endpoints.sns);
    const tap = await openTestTap(stack);
    const reports = await openReportsInbox(stack);
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

    /** Sum of a counter on a service's /metrics, e.g. messages it handled. */
    const metric = (service: ServiceName, name: string, ...labels: string[]) =>
      services[service].metric(name, ...labels);

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
      /** The first event of a type about an experiment (default timeout 30 s). */
      waitForEvent: ((experimentId, type, timeoutMs = 30_000) =>
        tap.waitForEvent(experimentId, type, timeoutMs)) as typeof tap.waitForEvent,
      eventsOf: tap.eventsOf,
      /** The summaries the notifier published on the reports topic. */
      reports,
      stop: async () => {
        await tap.close();
        reports.close();
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
