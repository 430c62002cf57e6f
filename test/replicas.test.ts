import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { startTestServices, type TestService } from "./support/processes.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * Two replicas of every service, sharing the queues and Redis as ECS tasks do,
 * and every job message sent twice: each experiment still terminates its
 * victims once, ends in one terminal event and sends one e-mail.
 */
let p: Pipeline;
let second: Record<string, TestService>;
/** Credentials of this run only (the stand-ins take any): no log line may show them. */
const credentials = {
  AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  AWS_SECRET_ACCESS_KEY: `secret-${randomBytes(16).toString("hex")}`,
  AWS_SESSION_TOKEN: `token-${randomBytes(16).toString("hex")}`,
};
beforeAll(async () => {
  const services = { env: { ...credentials, LOG_LEVEL: "debug" } };
  p = await startPipeline({ timeScale: 0.01, services });
  second = await startTestServices(p.stack, services);
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(second ?? {}).map((s) => s.stop()));
  await p?.stop();
});

const experiments = 6;
const terminalTypes: string[] = [
  EventType.recoveryCompleted,
  EventType.experimentRejected,
  EventType.terminationFailed,
];

describe("two replicas of every service, every request sent twice", () => {
  it("give one set of terminations, one terminal event and one e-mail per experiment", async () => {
    const groups = await Promise.all(
      Array.from({ length: experiments }, () => p.createGroup({ desiredCapacity: 4, maxSize: 8 })),
    );
    const before = await p.sim.counters();
    const ids = await Promise.all(
      groups.map(async (asg) => {
        const job = {
          asg,
          count: 1,
          requestId: `twice-${asg}`,
          recovery: { checkIntervalSeconds: 0.25, deadlineSeconds: 60 },
          notify: { emails: ["twice@example.com"] },
        };
        const [id] = await Promise.all([p.submit(job), p.submit(job)]);
        return id;
      }),
    );
    const sent = await Promise.all(
      ids.map((id) => p.waitForEvent(id, EventType.reportSent, 90_000)),
    );
    // Anything a second replica would add arrives with the first's events.
    await p.tap.drain();
    for (const id of ids) {
      const terminal = p.tap.typesOf(id).filter((t) => terminalTypes.includes(t));
      expect({ id, terminal }).toEqual({ id, terminal: [EventType.recoveryCompleted] });
    }
    const completed = await Promise.all(
      ids.map((id) => p.waitForEvent(id, EventType.recoveryCompleted)),
    );
    expect(completed.map((e) => e.data.outcome)).toEqual(ids.map(() => "recovered"));

    const after = await p.sim.counters();
    const calls = (c: typeof before) => c.calls.TerminateInstances ?? 0;
    expect(calls(after) - calls(before)).toBe(experiments);
    for (const asg of groups) expect((await p.sim.timeline(asg)).recoveries).toHaveLength(1);

    const inbox = await readInbox(p.stack.endpoints.inbox);
    for (const report of sent) {
      expect(inbox.filter((e) => e.subject === report.data.subject)).toHaveLength(1);
    }
  }, 150_000);

  it("never write a credential to any log line, debug lines and rejections included", async () => {
    const id = await p.submit('{"asg":"web","count":"two"}');
    await p.waitForEvent(id, EventType.reportSent);
    const services = [...Object.values(p.services), ...Object.values(second)];
    const lines = services.flatMap((s) => s.logs.map((l) => JSON.stringify(l)));
    expect(lines.length).toBeGreaterThan(100);
    for (const value of Object.values(credentials)) {
      expect(lines.filter((l) => l.includes(value))).toEqual([]);
    }
  });
});
