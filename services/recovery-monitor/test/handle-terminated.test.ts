import { describe, expect, it } from "vitest";
import {
  EventType,
  PoisonMessageError,
  ServiceName,
  createEvent,
  createLogger,
  eventSource,
  type MessageContext,
} from "@macaque/shared";
import { groupObservation } from "../../../test/support/experiment.ts";
import { createTerminatedHandler } from "../src/handle-terminated.ts";
import type { MonitorJob } from "../src/monitor-job.ts";
import { at, experiment } from "./fixtures.ts";

const context: MessageContext = {
  logger: createLogger({ service: "test", level: "silent" }),
  receiveCount: 1,
  messageId: "m-1",
};

const terminatedEvent = createEvent(EventType.instancesTerminated, {
  source: eventSource(ServiceName.terminator),
  subject: "exp-1",
  data: {
    experiment: experiment(),
    terminations: [{ instanceId: "i-00000001", outcome: "terminated", at: at(0).toISOString() }],
    terminatedAt: at(0).toISOString(),
  },
});

function handler(exists = false, archived: string[] = [], now = at(1)) {
  const scheduled: Array<{ job: MonitorJob; delayMs: number }> = [];
  const asked: string[] = [];
  const handle = createTerminatedHandler({
    schedule: async (job, delayMs) => {
      scheduled.push({ job, delayMs });
      return !exists;
    },
    isArchived: async (id) => {
      asked.push(id);
      return archived.includes(id);
    },
    isMonitored: async () => exists,
    now: () => now,
  });
  return { handle, scheduled, asked };
}

describe("createTerminatedHandler", () => {
  it("schedules the first check one interval after the termination", async () => {
    const { handle, scheduled } = handler();
    await handle({ Body: JSON.stringify(terminatedEvent) }, context);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.delayMs).toBe(4_000);
    expect(scheduled[0]!.job).toMatchObject({ terminated: ["i-00000001"], checks: 0 });
  });

  it("reads an event wrapped in an SNS envelope", async () => {
    const { handle, scheduled } = handler();
    const envelope = { Type: "Notification", Message: JSON.stringify(terminatedEvent) };
    await handle({ Body: JSON.stringify(envelope) }, context);
    expect(scheduled).toHaveLength(1);
  });

  it("monitors an event on time without asking the archive", async () => {
    const { handle, scheduled, asked } = handler(false, [experiment().id]);
    await handle({ Body: JSON.stringify(terminatedEvent) }, context);
    expect(asked).toEqual([]);
    expect(scheduled).toHaveLength(1);
  });

  it("starts nothing for a late event of an experiment the archive holds", async () => {
    const late = new Date(at(0).getTime() + 60 * 60_000);
    const archived = handler(false, [experiment().id], late);
    await archived.handle({ Body: JSON.stringify(terminatedEvent) }, context);
    expect(archived.asked).toEqual([experiment().id]);
    expect(archived.scheduled).toEqual([]);

    const unknown = handler(false, [], late);
    await unknown.handle({ Body: JSON.stringify(terminatedEvent) }, context);
    expect(unknown.asked).toEqual([experiment().id]);
    expect(unknown.scheduled).toHaveLength(1);
  });

  it("does not ask the archive of a late duplicate Redis still knows", async () => {
    const late = new Date(at(0).getTime() + 60 * 60_000);
    const known = handler(true, [experiment().id], late);
    await known.handle({ Body: JSON.stringify(terminatedEvent) }, context);
    expect(known.asked).toEqual([]);
  });

  it("accepts a duplicate delivery without error", async () => {
    const { handle } = handler(true);
    await expect(
      handle({ Body: JSON.stringify(terminatedEvent) }, context),
    ).resolves.toBeUndefined();
  });

  it.each([
    ["not JSON", "{"],
    [
      "an event of another type",
      JSON.stringify({ ...terminatedEvent, type: EventType.experimentRejected }),
    ],
    [
      "a recovery event",
      JSON.stringify(
        createEvent(EventType.recoveryProgressed, {
          source: eventSource(ServiceName.recoveryMonitor),
          subject: "exp-1",
          data: {
            experiment: experiment(),
            milestone: "healthy",
            elapsedSeconds: 1,
            observed: groupObservation({ at: at(1).toISOString() }),
          },
        }),
      ),
    ],
  ])("calls %s poison (straight to the dead-letter queue)", async (_what, body) => {
    const { handle, scheduled } = handler();
    await expect(handle({ Body: body }, context)).rejects.toThrow(PoisonMessageError);
    expect(scheduled).toEqual([]);
  });
});
