import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { fireTimes, parseScheduleExpression } from "@macaque/shared/schedule";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { ScheduleStore, StoredSchedule } from "./store.ts";

/**
 * What EventBridge Scheduler does with a schedule: at each slot, send its target
 * input (context attributes filled in) to the target queue. The stand-in's clock
 * runs at the sandbox's time scale (0.1: a simulated minute passes in 6 s) and can
 * be moved forward, firing every slot it passes, in order.
 */

export interface Firing {
  group: string;
  name: string;
  slot: string;
  messageId: string | undefined;
  /** Sim-clock time it was sent. */
  sentAt: string;
}

export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

/** A clock that runs 1/timeScale times faster than the wall clock, from the wall clock's now. */
export function createSimClock(timeScale: number, wallNow: () => number = Date.now): SimClock {
  const start = wallNow();
  let offset = 0;
  return {
    now: () => start + (wallNow() - start) / timeScale + offset,
    advance: (ms) => void (offset += ms),
  };
}

/** EventBridge fills these in the target input at each invocation. */
export function fillContext(input: string, schedule: StoredSchedule, slot: string): string {
  return input
    .replaceAll("<aws.scheduler.scheduled-time>", slot)
    .replaceAll("<aws.scheduler.schedule-arn>", schedule.Arn)
    .replaceAll("<aws.scheduler.execution-id>", randomBytes(8).toString("hex"))
    .replaceAll("<aws.scheduler.attempt-number>", "1");
}

const slotText = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");

export function createFiring(options: {
  store: ScheduleStore;
  clock: SimClock;
  sqs: SQSClient;
  logger: Logger;
}) {
  const { store, clock, sqs, logger } = options;
  const fired: Firing[] = [];
  const queueUrls = new Map<string, string>();

  const queueUrlOf = async (arn: string): Promise<string> => {
    const known = queueUrls.get(arn);
    if (known) return known;
    const [, , , , account, name] = arn.split(":") as string[];
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
    );
    queueUrls.set(arn, QueueUrl!);
    return QueueUrl!;
  };

  const fire = async (schedule: StoredSchedule, slot: string): Promise<Firing> => {
    const body = fillContext(schedule.Target.Input ?? "{}", schedule, slot);
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrlOf(schedule.Target.Arn),
        MessageBody: body,
      }),
    );
    const firing: Firing = {
      group: schedule.GroupName,
      name: schedule.Name,
      slot,
      messageId: MessageId,
      sentAt: new Date(clock.now()).toISOString(),
    };
    fired.push(firing);
    logger.info({ event: "schedule.fired", ...firing }, `fired ${schedule.Name} for ${slot}`);
    return firing;
  };

  /** The slots of one schedule in (firedUntil, until], honouring its state and dates. */
  const dueSlots = (schedule: StoredSchedule, until: number): Date[] => {
    if (schedule.State !== "ENABLED") return [];
    const start = schedule.StartDate === undefined ? undefined : schedule.StartDate * 1000;
    const end = schedule.EndDate === undefined ? Infinity : schedule.EndDate * 1000;
    const after = Math.max(schedule.firedUntil, start === undefined ? -Infinity : start - 1);
    return fireTimes(parseScheduleExpression(schedule.ScheduleExpression), {
      timeZone: schedule.ScheduleExpressionTimezone ?? "UTC",
      after: new Date(after),
      until: new Date(Math.min(until, end)),
      anchor: new Date(start ?? schedule.CreationDate * 1000),
    });
  };

  let running: Promise<Firing[]> = Promise.resolve([]);
  /** Fires every slot due by the clock's now; calls run one after another. */
  const catchUp = (): Promise<Firing[]> => {
    running = running
      .catch(() => [])
      .then(async () => {
        const until = clock.now();
        const out: Firing[] = [];
        const due = store
          .list()
          .flatMap((s) => dueSlots(s, until).map((at) => ({ s, at })))
          .sort((a, b) => a.at.getTime() - b.at.getTime());
        for (const { s, at } of due) out.push(await fire(s, slotText(at)));
        for (const s of store.list()) s.firedUntil = Math.max(s.firedUntil, until);
        return out;
      });
    return running;
  };

  return {
    fired,
    catchUp,
    /** Fires one slot of a schedule now, whatever its state (the control API's "fire"). */
    fireSlot: (schedule: StoredSchedule, slot: string) => fire(schedule, slot),
  };
}
export type SchedulerFiring = ReturnType<typeof createFiring>;
