import { beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@macaque/shared";
import {
  ClaimLostError,
  ReportBusyError,
  createDeliveries,
  type DeliverySteps,
  type EmailResult,
} from "../src/deliveries.ts";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { useTestRedis } from "../../../test/support/redis.ts";

const testRedis = useTestRedis("notifier-test");
let redis: Redis;
beforeAll(() => {
  redis = testRedis.redis;
});

/** Steps that record their calls; `fail` makes one throw, as a crash or an outage would. */
function recordingSteps(fail: Partial<Record<"email" | "summary" | "event", boolean>> = {}) {
  const calls: string[] = [];
  let n = 0;
  const steps: DeliverySteps = {
    sendEmail: async (i): Promise<EmailResult> => {
      if (fail.email) throw new Error("SES unreachable");
      calls.push(`email:${i}`);
      return { messageId: `ses-${i}-${++n}` };
    },
    publishSummary: async () => {
      if (fail.summary) throw new Error("SNS unreachable");
      calls.push("summary");
      return `sns-${++n}`;
    },
    publishReportSent: async (sent) => {
      if (fail.event) throw new Error("SNS unreachable");
      calls.push(`event:${sent.sesMessageIds.join(",")}:${sent.snsMessageId}`);
      return `evt-${++n}`;
    },
  };
  return { steps, calls };
}

/** The steps, with `act` run just before each email is sent. */
const beforeEmail = (steps: DeliverySteps, act: () => Promise<unknown>): DeliverySteps => ({
  ...steps,
  sendEmail: async (i) => {
    await act();
    return steps.sendEmail(i);
  },
});

const setup = (now = () => new Date("2025-11-26T10:00:00Z")) => {
  const keyPrefix = uniquePrefix("n");
  return { keyPrefix, deliveries: createDeliveries({ redis, keyPrefix, claimTtlMs: 5_000, now }) };
};
const report = { experimentId: "exp-1", kind: "recovery" as const };

describe("deliveries", () => {
  it("sends each email, then the summary, then the event, and keeps the record", async () => {
    const { deliveries, keyPrefix } = setup();
    const { steps, calls } = recordingSteps();
    const outcome = await deliveries.deliver(report, 2, steps);
    expect(calls).toEqual(["email:0", "email:1", "summary", "event:ses-0-1,ses-1-2:sns-3"]);
    expect(outcome).toEqual({
      sesMessageIds: ["ses-0-1", "ses-1-2"],
      rejectedEmails: [],
      snsMessageId: "sns-3",
      eventMessageId: "evt-4",
      sentAt: "2025-11-26T10:00:00.000Z",
      performed: ["email", "email", "summary", "event"],
    });
    const key = `${keyPrefix}:notifier:report:exp-1:recovery`;
    expect(deliveries.recordKey("exp-1", "recovery")).toBe(key);
    expect(await redis.hgetall(key)).toMatchObject({
      "email:0": "sent:ses-0-1",
      summary: "sns-3",
      event: "evt-4",
    });
    expect(await redis.ttl(key)).toBeGreaterThan(13 * 24 * 3600);
    expect(await redis.exists(`${key}:claim`)).toBe(0);
  });

  it("does nothing for a redelivered event that was fully reported", async () => {
    const { deliveries } = setup();
    const first = await deliveries.deliver(report, 1, recordingSteps().steps);
    const again = recordingSteps();
    const second = await deliveries.deliver(report, 1, again.steps);
    expect(again.calls).toEqual([]);
    expect(second).toEqual({ ...first, performed: [] });
  });

  it("after a failure between the email and the summary, resends neither the email nor loses the summary", async () => {
    let clock = new Date("2025-11-26T10:00:00Z");
    const { deliveries } = setup(() => clock);
    const crashed = recordingSteps({ summary: true });
    await expect(deliveries.deliver(report, 1, crashed.steps)).rejects.toThrow("SNS unreachable");
    expect(crashed.calls).toEqual(["email:0"]);

    clock = new Date("2025-11-26T10:05:00Z");
    const retry = recordingSteps();
    const outcome = await deliveries.deliver(report, 1, retry.steps);
    expect(retry.calls).toEqual(["summary", "event:ses-0-1:sns-1"]);
    expect(outcome.performed).toEqual(["summary", "event"]);
    // The report was sent when its first step ran, whatever the retry's clock says.
    expect(outcome.sentAt).toBe("2025-11-26T10:00:00.000Z");
  });

  it("after a failure between two emails, sends only the second", async () => {
    const { deliveries } = setup();
    let calls = 0;
    const flaky = recordingSteps();
    const failing: DeliverySteps = {
      ...flaky.steps,
      sendEmail: async (i) => {
        if (++calls === 2) throw new Error("SES throttled");
        return flaky.steps.sendEmail(i);
      },
    };
    await expect(deliveries.deliver(report, 2, failing)).rejects.toThrow("SES throttled");
    const retry = recordingSteps();
    await deliveries.deliver(report, 2, retry.steps);
    expect(flaky.calls).toEqual(["email:0"]);
    expect(retry.calls[0]).toBe("email:1");
  });

  it("refuses a concurrent delivery while the first holds the claim", async () => {
    const { deliveries } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inEmail = new Promise<void>((resolve) => (entered = resolve));
    const slow = recordingSteps();
    const first = deliveries.deliver(report, 1, {
      ...slow.steps,
      sendEmail: async (i) => {
        entered();
        await gate;
        return slow.steps.sendEmail(i);
      },
    });
    await inEmail;
    const second = recordingSteps();
    await expect(deliveries.deliver(report, 1, second.steps)).rejects.toBeInstanceOf(
      ReportBusyError,
    );
    release();
    await first;
    const third = recordingSteps();
    expect((await deliveries.deliver(report, 1, third.steps)).performed).toEqual([]);
    expect(
      [...slow.calls, ...second.calls, ...third.calls].filter((c) => c.startsWith("email")),
    ).toEqual(["email:0"]);
  });

  it("stops before the next step when its claim expired and another delivery took over", async () => {
    const { deliveries } = setup();
    const steps = recordingSteps();
    const key = deliveries.recordKey(report.experimentId, report.kind);
    const outcome = deliveries.deliver(
      report,
      1,
      beforeEmail(steps.steps, () => redis.set(`${key}:claim`, "someone-else", "PX", 5_000)),
    );
    await expect(outcome).rejects.toBeInstanceOf(ClaimLostError);
    expect(steps.calls).toEqual(["email:0"]);
    // The other delivery's claim is left alone.
    expect(await redis.get(`${key}:claim`)).toBe("someone-else");
  });

  it("stops when a step cannot be recorded, rather than go on unrecorded", async () => {
    const { deliveries } = setup();
    const steps = recordingSteps();
    const key = deliveries.recordKey(report.experimentId, report.kind);
    // The record's HSET then fails inside a MULTI whose EXPIRE succeeds.
    const outcome = deliveries.deliver(
      report,
      1,
      beforeEmail(steps.steps, () => redis.set(key, "not a hash")),
    );
    await expect(outcome).rejects.toThrow("WRONGTYPE");
    expect(steps.calls).toEqual(["email:0"]);
  });

  it("records an email SES refused for good and goes on to the summary", async () => {
    const { deliveries } = setup();
    const steps = recordingSteps();
    const outcome = await deliveries.deliver(report, 1, {
      ...steps.steps,
      sendEmail: async () => ({ rejected: "MessageRejected: Email address is not verified" }),
    });
    expect(outcome.sesMessageIds).toEqual([]);
    expect(outcome.rejectedEmails).toEqual(["MessageRejected: Email address is not verified"]);
    expect(outcome.performed).toEqual(["email-rejected", "summary", "event"]);
    const again = recordingSteps();
    await deliveries.deliver(report, 1, again.steps);
    expect(again.calls).toEqual([]);
  });

  it("publishes the summary even with no one to email", async () => {
    const { deliveries } = setup();
    const steps = recordingSteps();
    const outcome = await deliveries.deliver(report, 0, steps.steps);
    expect(steps.calls).toEqual(["summary", "event::sns-1"]);
    expect(outcome.sesMessageIds).toEqual([]);
  });

  it("keeps a record per report kind", async () => {
    const { deliveries } = setup();
    await deliveries.deliver(report, 1, recordingSteps().steps);
    const other = recordingSteps();
    await deliveries.deliver({ ...report, kind: "dry-run" }, 1, other.steps);
    expect(other.calls).toHaveLength(3);
  });
});
