import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { hostname, userInfo } from "node:os";
import { EventType, type AnyCloudEvent } from "@macaque/shared";
import { runCli } from "../cli/test/support.ts";
import { startTestService, type TestService } from "./support/processes.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * The operator's controls end to end: the real CLI sets them in the sandbox's
 * Parameter Store (the fleet simulator), the four services run as their own
 * processes, and the simulator's record of terminate calls says what went through.
 * Each test that halts resumes before it ends, so any one runs alone (`-t`).
 */
let p: Pipeline;
let terminator: TestService;
let terminatorRunning = true;

beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
  terminator = p.services.terminator;
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const fast = { checkIntervalSeconds: 0.25, deadlineSeconds: 30 };
/** Who the CLI says acted: no STS answers in the sandbox, so user@host. */
const me = `${userInfo().username}@${hostname()}`;
const meRe = me.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function cli(...args: string[]): Promise<string> {
  const run = runCli(args, p.stack.env);
  const code = await run.exited;
  expect(code, `${args.join(" ")}:\n${run.stdout()}\n${run.stderr()}`).toBe(0);
  return run.stdout();
}
const halt = (reason: string) => cli("halt", "--reason", reason);
const resume = () => cli("resume", "--reason", "test over");

const terminateCalls = async () => (await p.sim.counters()).terminateCalls;

async function stopTerminator(): Promise<void> {
  if (!terminatorRunning) return;
  terminatorRunning = false;
  await terminator.stop();
}

/** A terminator of the test's own, with the sandbox's environment and `env` on top. */
async function replaceTerminator(env: Record<string, string> = {}): Promise<TestService> {
  await stopTerminator();
  terminator = await startTestService(p.stack, "terminator", { env });
  terminatorRunning = true;
  p.stack.adopt(terminator.process);
  return terminator;
}

/** The control event the CLI published, as the events topic delivered it. */
type ControlEvent = Extract<
  AnyCloudEvent,
  { type: typeof EventType.controlHalted | typeof EventType.controlResumed }
>;
const controlEvent = async (type: ControlEvent["type"], reason: string) =>
  (await p.tap.tap.waitFor(
    (e) => e.type === type && (e as ControlEvent).data.reason === reason,
    20_000,
  )) as ControlEvent;

describe("the kill switch", () => {
  it("refuses every request while halted, even after the producer restarts, and runs the next one after resume", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3 });
    const before = (await terminateCalls()).length;
    const out = await halt("incident 4711");
    expect(out).toMatch(
      new RegExp(`^macaque is halted \\(by ${meRe}, at \\S+\\): incident 4711$`, "m"),
    );
    const halted = await controlEvent(EventType.controlHalted, "incident 4711");
    expect(halted.data).toMatchObject({ halted: true, parameter: "/macaque/halt" });
    const report = await p.reports.waitForSummary("the halt report", (s) =>
      s.message.includes(`macaque HALTED by ${me} at `),
    );
    expect(report.subject).toBe("[macaque] kill switch: HALTED - no experiment will run");

    try {
      // The switch lives outside every service: a restarted producer still refuses.
      await p.services.producer.stop();
      const producer = await startTestService(p.stack, "producer");
      p.stack.adopt(producer.process);
      const id = await p.submit({ asg, count: 1, recovery: fast });
      const rejected = await p.waitForEvent(id, EventType.experimentRejected);
      expect(rejected.data.stage).toBe("guardrail");
      expect(rejected.data.reasons).toEqual([
        {
          code: "halted",
          message: expect.stringMatching(
            new RegExp(
              `^macaque is halted \\(by ${meRe}, at \\S+\\): incident 4711; nothing is planned or terminated until macaque resume$`,
            ),
          ),
        },
      ]);
      const status = await cli("status");
      expect(status).toMatch(new RegExp(`^HALTED by ${meRe} at \\S+: incident 4711$`, "m"));
    } finally {
      await resume();
    }
    expect((await terminateCalls()).length).toBe(before);
    await controlEvent(EventType.controlResumed, "test over");

    const id = await p.submit({ asg, count: 1, recovery: fast });
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated);
    expect(terminated.data.terminations.map((t) => t.outcome)).toEqual(["terminated"]);
    expect(await cli("status")).toMatch(
      new RegExp(`^running: resumed by ${meRe} at \\S+: test over$`, "m"),
    );
  }, 60_000);

  it("refuses an order already queued when the halt lands, after the terminator restarts", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3 });
    await stopTerminator();
    const id = await p.submit({ asg, count: 1, recovery: fast });
    await p.waitForEvent(id, EventType.experimentPlanned);
    const before = (await terminateCalls()).length;
    try {
      await halt("queued order test");
      await replaceTerminator();
      const failed = await p.waitForEvent(id, EventType.terminationFailed);
      expect(failed.data.code).toBe("halted");
      expect(failed.data.reason).toMatch(
        /^not terminating: macaque is halted .*queued order test$/,
      );
      expect(failed.data.terminations.map((t) => t.outcome)).toEqual(["skipped"]);
    } finally {
      await resume();
    }
    expect((await terminateCalls()).length).toBe(before);
    const group = await p.sim.group(asg);
    expect(group.instances.every((i) => i.ec2State === "running")).toBe(true);
  }, 60_000);

  it("does not terminate while the terminator cannot reach SSM, and carries the order out once it can", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3 });
    const closedPort = await freePort();
    const blind = await replaceTerminator({
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${closedPort}`,
      AWS_MAX_ATTEMPTS: "2",
    });
    const before = (await terminateCalls()).length;
    const id = await p.submit({ asg, count: 1, recovery: fast });
    await p.waitForEvent(id, EventType.experimentPlanned);
    const retries = await blind.waitForLog("message.retry", undefined, {
      count: 2,
      timeoutMs: 30_000,
    });
    expect(JSON.stringify(retries[0]!.err)).toMatch(/could not read the kill switch/);
    expect((await terminateCalls()).length).toBe(before);
    expect(p.tap.typesOf(id)).not.toContain(EventType.instancesTerminated);

    await replaceTerminator();
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated);
    expect(terminated.data.terminations.map((t) => t.outcome)).toEqual(["terminated"]);
  }, 60_000);

  it("lets no termination through after the halt event during a burst of requests", async () => {
    const before = (await terminateCalls()).length;
    const ids: string[] = [];
    let halting: Promise<string> | undefined;
    let halted = false;
    let afterHalt = 0;
    try {
      // One request every 100 ms on a fresh group, the halt started half a second in,
      // and the burst goes on until five were sent after the switch was set, however
      // long the CLI takes to start on a busy machine: those five at least must be refused.
      for (let i = 0; afterHalt < 5; i++) {
        if (i === 300) throw new Error("the halt did not land within 300 requests");
        const asg = await p.createGroup({ desiredCapacity: 2 });
        ids.push(await p.submit({ asg, count: 1, recovery: fast }));
        if (halted) afterHalt++;
        if (i === 4) halting = halt("burst test").finally(() => (halted = true));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await halting;
      const haltEvent = await controlEvent(EventType.controlHalted, "burst test");
      const haltSeenAt = Date.now();
      // Every request ends: planned and terminated, or refused by the producer or the terminator.
      const endTypes: string[] = [
        EventType.instancesTerminated,
        EventType.terminationFailed,
        EventType.experimentRejected,
      ];
      const ends: AnyCloudEvent[] = [];
      for (const id of ids) {
        ends.push(
          await p.tap.tap.waitFor((e) => e.subject === id && endTypes.includes(e.type), 60_000),
        );
      }
      const calls = (await terminateCalls()).slice(before);
      const terminated = ends.filter((e) => e.type === EventType.instancesTerminated).length;
      const refused = ends.filter(
        (e) =>
          (e.type === EventType.terminationFailed && e.data.code === "halted") ||
          (e.type === EventType.experimentRejected &&
            e.data.reasons.some((r) => r.code === "halted")),
      ).length;
      const byProducer = ends.filter((e) => e.type === EventType.experimentRejected).length;
      const lastCall = Math.max(...calls.map((c) => Date.parse(c.at)));
      console.log(
        `burst: ${ids.length} requests, ${terminated} terminated before the halt, ${refused} refused (${byProducer} by the producer, ${refused - byProducer} by the terminator); last terminate call ${haltSeenAt - lastCall} ms before the halt event was seen`,
      );
      expect(terminated + refused).toBe(ids.length);
      expect(refused).toBeGreaterThanOrEqual(5);
      expect(calls).toHaveLength(terminated);
      // The halt event reached the events topic after the switch was set: nothing later went through.
      const late = calls.filter((c) => Date.parse(c.at) > haltSeenAt);
      expect(late).toEqual([]);
      expect(calls.every((c) => Date.parse(c.at) <= Date.parse(haltEvent.time) + 1_000)).toBe(true);
      // And nothing went through while the switch stayed on.
      await p.tap.drain();
      expect((await terminateCalls()).length - before).toBe(terminated);
    } finally {
      await halting?.catch(() => undefined);
      await resume();
    }
  }, 120_000);
});

describe("aborting one experiment", () => {
  it("refuses the order of an experiment aborted before termination: nothing terminated", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3 });
    await stopTerminator();
    const id = await p.submit({ asg, count: 1, recovery: fast });
    await p.waitForEvent(id, EventType.experimentPlanned);
    const status = await cli("status");
    expect(status).toMatch(new RegExp(`^  ${id}  ${asg}  planned \\S+`, "m"));
    const before = (await terminateCalls()).length;

    const out = await cli("abort", id, "--reason", "wrong group");
    expect(out).toMatch(
      new RegExp(`^experiment ${id} was aborted \\(by ${meRe}, at \\S+\\): wrong group$`, "m"),
    );
    await replaceTerminator();
    const failed = await p.waitForEvent(id, EventType.terminationFailed);
    expect(failed.data.code).toBe("aborted");
    expect(failed.data.reason).toContain(`experiment ${id} was aborted (by ${me}, at `);
    expect((await terminateCalls()).length).toBe(before);
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.reportKind).toBe("termination-failure");
  }, 60_000);

  it("ends the monitoring of an aborted experiment at its next check: outcome aborted, the report names who and why", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3 });
    // Its replacements never become healthy, so only the abort can end it before the deadline.
    await p.sim.setFaults(asg, { neverHealthy: true });
    const id = await p.submit({ asg, count: 1, recovery: { ...fast, deadlineSeconds: 120 } });
    await p.waitForEvent(id, EventType.instancesTerminated);
    await waitUntil("the experiment to be listed in flight", async () =>
      (await cli("status")).includes(id),
    );

    await cli("abort", id, "--reason", "customer traffic peak");
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("aborted");
    expect(completed.data.verdict).toBe("none");
    expect(completed.data.abort).toMatchObject({
      experimentId: id,
      by: me,
      reason: "customer traffic peak",
    });
    expect(completed.data.checks).toBeGreaterThan(0);
    expect(completed.data.lastObserved).not.toBeNull();
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.subject).toContain(`: ABORTED by ${me}`);
    const summary = await p.reports.waitForSummary("the aborted report", (s) =>
      s.message.includes(id),
    );
    expect(summary.message).toMatch(
      new RegExp(`Aborted by ${meRe} at \\S+: customer traffic peak`),
    );
    // The producer's outcome handler removed its note: no longer in flight.
    await waitUntil(
      "the experiment to leave the in-flight list",
      async () => !(await cli("status")).includes(id),
    );
  }, 60_000);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
