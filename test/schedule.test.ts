import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, experimentIdFor } from "@macaque/shared";
import { scheduleGroupName, scheduleRequestId } from "@macaque/shared/schedule";
import { createSchedulerSimControl } from "@macaque/scheduler-sim";
import { randomBytes } from "node:crypto";
import { runCli } from "../cli/test/support.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * Schedules end to end: `macaque schedule` (its own process) talks to the
 * EventBridge Scheduler stand-in, which fires onto the request queue; the four
 * services carry each slot like any job message.
 */
let p: Pipeline;
let control: ReturnType<typeof createSchedulerSimControl>;
let group: string;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
  control = createSchedulerSimControl(p.stack.endpoints.scheduler);
  group = scheduleGroupName(p.stack.prefix);
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const fast = ["--check-interval", "0.25s", "--deadline", "30s"];
// A slot in a year the stand-in's clock never reaches by itself in a test: only `fire` sends it.
const farCron = ["--cron", "0 10 ? * MON-FRI 2031", "--time-zone", "Europe/Dublin"];

async function macaque(...args: string[]) {
  const run = runCli(args, p.stack.env);
  const code = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

async function addSchedule(...args: string[]) {
  const name = `s-${randomBytes(3).toString("hex")}`;
  const added = await macaque("schedule", "add", name, ...args);
  expect(added.err).toBe("");
  expect(added.code).toBe(0);
  return name;
}

/** A fresh 3-instance group and a schedule on it that terminates one instance per run. */
async function groupWithSchedule(...args: string[]) {
  const asg = await p.createGroup({ desiredCapacity: 3, minSize: 1, maxSize: 6 });
  const name = await addSchedule("--asg", asg, "--count", "1", ...fast, ...args);
  return { asg, name };
}

const terminatedTotal = () => p.metric("terminator", "macaque_instances_terminated_total");

describe("a fixed schedule", () => {
  it("fires in the sandbox: the experiment runs end to end as requestedBy schedule:NAME", async () => {
    const { name } = await groupWithSchedule(...farCron);
    // Monday 6 January 2031, 10:00 in Dublin (GMT).
    const slot = "2031-01-06T10:00:00Z";
    await control.fire(group, name, slot);
    const id = experimentIdFor(scheduleRequestId(name, slot));
    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.experiment.requestedBy).toBe(`schedule:${name}`);
    expect(planned.data.experiment.requestId).toBe(`schedule:${name}:${slot}`);
    expect(planned.data.schedule).toMatchObject({ name, slot, timeZone: "Europe/Dublin" });
    expect(planned.data.experiment.seed).toBe(`${planned.data.schedule!.seed}:${slot}`);
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted, 60_000);
    expect(completed.data.outcome).toBe("recovered");
  }, 90_000);

  it("terminates once when one slot fires twice", async () => {
    const { asg, name } = await groupWithSchedule(...farCron);
    const slot = "2031-01-07T10:00:00Z";
    const before = await terminatedTotal();
    await control.fire(group, name, slot);
    const id = experimentIdFor(scheduleRequestId(name, slot));
    await p.waitForEvent(id, EventType.instancesTerminated);
    await control.fire(group, name, slot);
    await p.services.producer.waitForLog("plan.replayed", id);
    await p.services.terminator.waitForLog("order.redelivered", id);
    expect((await terminatedTotal()) - before).toBe(1);
    expect((await p.sim.timeline(asg)).recoveries).toHaveLength(1);
    await p.waitForEvent(id, EventType.recoveryCompleted, 60_000);
  }, 90_000);

  it("runs nothing on a blackout day: the slot is refused with blackout, naming it", async () => {
    const { asg, name } = await groupWithSchedule(
      ...farCron,
      "--blackout",
      "2031-12-24..2032-01-02",
    );
    const slot = "2031-12-29T10:00:00Z";
    await control.fire(group, name, slot);
    const id = experimentIdFor(scheduleRequestId(name, slot));
    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    expect(rejected.data.reasons.map((r) => r.code)).toEqual(["blackout"]);
    expect(rejected.data.reasons[0]!.message).toContain("2031-12-24..2032-01-02");
    expect(rejected.data.requestedBy).toBe(`schedule:${name}`);
    expect(p.eventsOf(id).some((e) => e.type === EventType.experimentPlanned)).toBe(false);
    expect((await p.sim.timeline(asg)).recoveries).toEqual([]);
  }, 60_000);
});

describe("pause and resume", () => {
  it("a paused schedule fires nothing; resumed, it fires its next slots", async () => {
    const asg = await p.createGroup({ desiredCapacity: 2 });
    const name = await addSchedule("--asg", asg, "--count", "1", "--rate", "1h", "--dry-run");
    const firedOf = async () => (await control.fired()).filter((f) => f.name === name).length;
    expect((await macaque("schedule", "pause", name)).code).toBe(0);
    const paused = await firedOf();
    await control.advance(5 * 3600);
    expect(await firedOf()).toBe(paused);
    const shown = await macaque("schedule", "show", name, "--json");
    expect(JSON.parse(shown.out)).toMatchObject({ name, state: "DISABLED" });

    expect((await macaque("schedule", "resume", name)).code).toBe(0);
    await control.advance(2 * 3600);
    await waitUntil("two slots fired after resuming", async () => (await firedOf()) >= paused + 2);
  }, 60_000);
});

describe("random mode", () => {
  it("runs the drawn slot that preview names, and skips the others quietly", async () => {
    const { name } = await groupWithSchedule(
      "--seed",
      "e2e-seed",
      "--window",
      "09:00-15:00",
      "--mean-days-between",
      "2",
      "--time-zone",
      "Europe/Dublin",
    );
    const preview = await macaque(
      "schedule",
      "preview",
      name,
      "--from",
      "2031-01-06T00:00:00Z",
      "--days",
      "14",
      "--json",
    );
    expect(preview.code).toBe(0);
    const entries = JSON.parse(preview.out) as {
      outcome: string;
      slot?: string;
      draw?: { at: string };
    }[];
    expect(entries).toHaveLength(10); // ten working days
    const drawn = entries.find((e) => e.outcome === "runs")!;
    expect(drawn.slot).toBeDefined();
    // A tick one minute off the drawn minute is skipped; the drawn one runs.
    const offBy = new Date(Date.parse(drawn.slot!) + 60_000).toISOString().replace(".000Z", "Z");
    const skippedBefore = await p.metric(
      "producer",
      "macaque_producer_schedule_slots_total",
      'result="not-drawn"',
    );
    await control.fire(group, name, offBy);
    await waitUntil(
      "the off-minute tick to be skipped",
      async () =>
        (await p.metric(
          "producer",
          "macaque_producer_schedule_slots_total",
          'result="not-drawn"',
        )) > skippedBefore,
    );
    expect(p.eventsOf(experimentIdFor(scheduleRequestId(name, offBy)))).toEqual([]);
    await control.fire(group, name, drawn.slot!);
    const id = experimentIdFor(scheduleRequestId(name, drawn.slot!));
    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.schedule?.draw).toMatchObject({ drawn: true, at: drawn.draw!.at });
    await p.waitForEvent(id, EventType.recoveryCompleted, 60_000);
  }, 90_000);
});

describe("the schedule commands against the stand-in", () => {
  it("list shows each schedule with its next run; show and remove find it by name", async () => {
    const asg = await p.createGroup({ desiredCapacity: 2 });
    const name = await addSchedule(
      "--asg",
      asg,
      "--percent",
      "50",
      "--cron",
      "0 10 ? * MON-FRI *",
      "--dry-run",
    );
    const listed = await macaque("schedule", "list", "--json");
    const row = (JSON.parse(listed.out) as { name: string; next?: string; state: string }[]).find(
      (r) => r.name === name,
    );
    expect(row).toMatchObject({ state: "ENABLED", when: "cron(0 10 ? * MON-FRI *)" });
    expect(new Date(row!.next!).getUTCHours()).toBe(10);
    const shown = await macaque("schedule", "show", name);
    expect(shown.out).toContain("terminate 50% of");
    expect((await macaque("schedule", "remove", name)).code).toBe(0);
    const gone = await macaque("schedule", "show", name);
    expect(gone.code).toBe(2);
    expect(gone.err).toContain(`no schedule ${name}`);
  }, 60_000);

  it("names the missing schedule group and exits 3 when the stack has none", async () => {
    const run = runCli(["schedule", "list"], { ...p.stack.env, MACAQUE_NAME_PREFIX: "nostack" });
    expect(await run.exited).toBe(3);
    expect(run.stderr()).toContain("schedule group nostack-schedules does not exist");
  }, 30_000);

  it.each([
    [["--cron", "0 10 * * MON-FRI *"], "put ? in exactly one of day-of-month"],
    [
      ["--rate", "1d", "--time-zone", "Mars/Olympus"],
      '--time-zone: "Mars/Olympus" is not an IANA time zone',
    ],
    [["--rate", "1d", "--blackout", "2026-12-24..2026-12-01"], "--blackout"],
    [["--window", "15:00-09:00", "--mean-days-between", "5"], "--window"],
    [["--rate", "1d", "--cron", "0 10 ? * MON-FRI *"], "give exactly one of --cron, --rate"],
  ])(
    "refuses %j before anything is made, saying why (exit 2)",
    async (args, why) => {
      const result = await macaque(
        "schedule",
        "add",
        "bad-one",
        "--asg",
        "web",
        "--count",
        "1",
        ...args,
      );
      expect(result.code).toBe(2);
      expect(result.err).toContain(why);
      expect((await macaque("schedule", "show", "bad-one")).code).toBe(2);
    },
    30_000,
  );
});

describe("a halted system", () => {
  it("refuses a scheduled slot with halted, like any request, and terminates nothing", async () => {
    const { name } = await groupWithSchedule(...farCron);
    const slot = "2031-01-08T10:00:00Z";
    const before = await terminatedTotal();
    const halted = await macaque("halt", "--reason", "schedule test");
    expect(halted.code).toBe(0);
    try {
      await control.fire(group, name, slot);
      const id = experimentIdFor(scheduleRequestId(name, slot));
      const rejected = await p.waitForEvent(id, EventType.experimentRejected);
      expect(rejected.data.reasons.map((r) => r.code)).toEqual(["halted"]);
      expect(rejected.data.requestedBy).toBe(`schedule:${name}`);
      expect((await terminatedTotal()) - before).toBe(0);
    } finally {
      expect((await macaque("resume", "--reason", "schedule test over")).code).toBe(0);
    }
  }, 60_000);
});
