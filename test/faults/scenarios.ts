/**
 * The fault suite's scenarios: real service processes against the sandbox
 * stand-ins, with a fault injected while experiments run, and what came of each
 * experiment counted against the simulator's ground truth. `npm run faults`
 * prints the table; test/faults-a.test.ts and faults-b.test.ts run a quick set in CI and assert its
 * zeros.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import {
  EventType,
  QueueRole,
  experimentIdFor,
  serviceNames,
  type ServiceName,
} from "@macaque/shared";
import { readInbox, startRedisServer } from "@macaque/sandbox";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { salvageRequestFields } from "../../services/producer/src/rejection.ts";
import { hostileBody, sqsSendable } from "../support/hostile-input.ts";
import type { Pipeline } from "../support/pipeline.ts";
import { startTestService, type TestService } from "../support/processes.ts";
import { startOutageProxy, type OutageProxy } from "../support/outage-proxy.ts";
import type { EventOf } from "../support/event-tap.ts";
import { recoveryTruth } from "../support/recovery-truth.ts";
import { waitUntil } from "../support/wait.ts";

export interface Row {
  scenario: string;
  experiments: number;
  terminationsExpected: number;
  terminationsDone: number;
  reportsExpected: number;
  reportsSent: number;
  /** Experiments with no terminal event by the end. */
  lost: number;
  /** Experiments with more than one terminal event, or more terminations than victims. */
  duplicated: number;
  /** Largest |measured − true| time to recover, and the largest precision stated. */
  worstErrorSeconds: number;
  statedPrecisionSeconds: number;
  /** Recoveries whose true moment lay outside their stated bounds (or that stated none). */
  dishonest: number;
  seconds: number;
}

export interface Scenario {
  name: string;
  /** Experiments to run (valid job messages, one victim each). */
  experiments: number;
  /** Runs before the jobs are sent (e.g. to put a fault proxy in front of a stand-in). */
  prepare?(p: Pipeline): Promise<void>;
  /** The fault: runs once the jobs are sent, while they are in flight. */
  inject?(p: Pipeline, faults: FaultControls): Promise<void>;
  /** Runs once the scenario is counted, to leave the pipeline as it found it. */
  cleanup?(p: Pipeline): Promise<void>;
  /** Every job message sent twice. */
  twice?: boolean;
  /** Boot time of replacements, in simulated seconds (long: the experiment outlives the fault). */
  bootSeconds?: number;
  /** Extra bodies sent beside the experiments; each must be rejected and terminate nothing. */
  hostile?: number;
  /**
   * Bodies that are not events, sent to each internal queue (terminations, recovery,
   * notifications, outcomes); each must be dead-lettered and announced, harming nothing.
   */
  poison?: number;
}

/** What a scenario can break beyond the services: the Redis they share, and time. */
export interface FaultControls {
  /** Stops Redis, keeps it down `downMs`, starts it again on its port from its append-only file. */
  restartRedis(downMs: number): Promise<void>;
  /**
   * A long outage's nominal length times the suite's outage scale (`npm run faults`
   * runs them whole; CI's quick set shortens them).
   */
  scaled(ms: number): number;
  /** An outage of `scaled(ms)`: nothing to await but the time it lasts. */
  outage(ms: number): Promise<void>;
}

/**
 * A Redis of the suite's own, with an append-only file (as compose and the CDK
 * stack keep one), which `restartRedis` stops and starts on the same port.
 */
export async function startFaultRedis(outageScale = 1): Promise<{
  url: string;
  controls: FaultControls;
  stop(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "macaque-faults-redis-"));
  let server = await startRedisServer({ appendOnlyDir: dir });
  const url = server.ready;
  const port = Number(new URL(url).port);
  const scaled = (ms: number) => ms * outageScale;
  return {
    url,
    controls: {
      scaled,
      outage: (ms) => new Promise((r) => setTimeout(r, scaled(ms))),
      async restartRedis(downMs) {
        await server.stop();
        await new Promise((r) => setTimeout(r, downMs));
        server = await startRedisServer({ port, appendOnlyDir: dir });
      },
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const terminalTypes: string[] = [
  EventType.recoveryCompleted,
  EventType.experimentRejected,
  EventType.terminationFailed,
];
const checkIntervalSeconds = 0.25;

/** Starts a fresh process of a service in place of the pipeline's, stopped with the stack. */
async function replace(
  p: Pipeline,
  name: ServiceName,
  env: Record<string, string> = {},
): Promise<void> {
  const service = await startTestService(p.stack, name, { env: { LOG_LEVEL: "debug", ...env } });
  p.stack.adopt(service.process);
  p.services[name] = service;
}

/** Resolves once the recovery-monitor has checked an experiment: checks are under way. */
const waitForACheck = (p: Pipeline) =>
  p.services["recovery-monitor"].waitForLog("recovery.checked", undefined, { timeoutMs: 30_000 });

/**
 * Kills the recovery-monitor while it checks experiments, `times` times, keeping it
 * down `downMs` (an outage, scaled) before each restart.
 */
const killMonitor =
  (times: number, downMs = 0) =>
  async (p: Pipeline, faults: FaultControls) => {
    for (let i = 0; i < times; i++) {
      await waitForACheck(p);
      await p.services["recovery-monitor"].kill();
      if (downMs > 0) await faults.outage(downMs);
      await replace(p, "recovery-monitor");
    }
  };

/** Stops Redis once checks are under way, for `downMs` (scaled when `scaled`). */
const restartRedisMidCheck =
  (downMs: number, scaled: boolean) => async (p: Pipeline, faults: FaultControls) => {
    await waitForACheck(p);
    await faults.restartRedis(scaled ? faults.scaled(downMs) : downMs);
  };

/** Resolves at the simulator's next TerminateInstances call. */
async function waitForTerminateCall(p: Pipeline): Promise<void> {
  const before = (await p.sim.counters()).calls.TerminateInstances ?? 0;
  await waitUntil(
    "a terminate call",
    async () => ((await p.sim.counters()).calls.TerminateInstances ?? 0) > before,
    30_000,
  );
}

/** The pid of one of the stack's stand-ins (fauxqs, ses, fleet-sim, ...). */
function standInPid(p: Pipeline, name: string): number {
  const pid = p.stack.processes.find((s) => s.name === name)?.child.pid;
  if (pid === undefined) throw new Error(`no ${name} process in the stack`);
  return pid;
}

/** The second replica of each service while the replicas scenario runs. */
const replicas: TestService[] = [];

/** The SES outage's proxy: the notifier sends through it while the scenario runs. */
let sesProxy: OutageProxy | undefined;

export const scenarios: Record<string, Scenario> = {
  baseline: { name: "no fault", experiments: 5 },
  duplicates: { name: "every job message delivered twice", experiments: 5, twice: true },
  monitorKilledOnce: {
    name: "recovery-monitor SIGKILLed once mid-check",
    experiments: 3,
    bootSeconds: 800,
    inject: killMonitor(1),
  },
  monitorKilledTwice: {
    name: "recovery-monitor SIGKILLed twice mid-check",
    experiments: 3,
    bootSeconds: 800,
    inject: killMonitor(2),
  },
  terminatorKilled: {
    name: "terminator SIGKILLed right after its first terminate call",
    experiments: 3,
    async inject(p) {
      await waitForTerminateCall(p);
      await p.services.terminator.kill();
      await replace(p, "terminator");
    },
  },
  throttled: {
    name: "half of all AWS calls throttled",
    experiments: 5,
    async inject(p) {
      await p.sim.setGlobalFaults({ throttleRate: 0.5 });
    },
  },
  hostile: { name: "hostile job messages beside valid ones", experiments: 3, hostile: 200 },
  poison: {
    name: "poison messages on every internal queue beside valid jobs",
    experiments: 3,
    poison: 5,
  },
  replicas: {
    name: "two replicas of every service, every job message sent twice",
    experiments: 5,
    twice: true,
    async prepare(p) {
      for (const name of serviceNames) {
        const extra = await startTestService(p.stack, name, { env: { LOG_LEVEL: "debug" } });
        p.stack.adopt(extra.process);
        replicas.push(extra);
      }
    },
    async cleanup() {
      await Promise.all(replicas.splice(0).map((r) => r.stop()));
    },
  },
  redisRestarted: {
    name: "Redis stopped 10 s and restarted mid-experiment",
    experiments: 4,
    bootSeconds: 800,
    inject: restartRedisMidCheck(10_000, false),
  },
  monitorDown: {
    name: "recovery-monitor SIGKILLed and down 60 s",
    experiments: 3,
    bootSeconds: 800,
    inject: killMonitor(1, 60_000),
  },
  redisDown: {
    name: "Redis down 2 min mid-experiment",
    experiments: 3,
    bootSeconds: 800,
    inject: restartRedisMidCheck(120_000, true),
  },
  sesDown: {
    name: "SES down 2 min while reports go out",
    experiments: 3,
    async prepare(p) {
      sesProxy = await startOutageProxy(p.stack.endpoints.ses);
      await p.services.notifier.stop();
      await replace(p, "notifier", { AWS_ENDPOINT_URL_SES: sesProxy.url });
    },
    async inject(_p, faults) {
      sesProxy!.down();
      await faults.outage(120_000);
      sesProxy!.up();
    },
    async cleanup(p) {
      await p.services.notifier.stop();
      await replace(p, "notifier");
      await sesProxy?.close();
      sesProxy = undefined;
    },
  },
  busStalled: {
    name: "SQS and SNS stalled 30 s after the first terminate call (fauxqs SIGSTOPped)",
    experiments: 3,
    async inject(p, faults) {
      await waitForTerminateCall(p);
      const pid = standInPid(p, "fauxqs");
      process.kill(pid, "SIGSTOP");
      try {
        await faults.outage(30_000);
      } finally {
        process.kill(pid, "SIGCONT");
      }
    },
  },
  load: {
    name: "load: 1,000 job messages over 100 groups (valid, duplicate, hostile)",
    experiments: 100,
    twice: true,
    hostile: 800,
  },
  sigterm: {
    name: "terminator and notifier SIGTERMed during work",
    experiments: 4,
    async inject(p) {
      for (const name of ["terminator", "notifier"] as const) {
        await p.services[name].stop();
        await replace(p, name);
      }
    },
  },
};

/** CI's quick set shortens the long outages to this share of their nominal length. */
export const quickOutageScale = 0.1;

export async function runScenario(
  p: Pipeline,
  scenario: Scenario,
  faults: FaultControls,
): Promise<Row> {
  const started = Date.now();
  await scenario.prepare?.(p);
  const groups = await Promise.all(
    Array.from({ length: scenario.experiments }, () =>
      p.createGroup({
        desiredCapacity: 4,
        maxSize: 8,
        ...(scenario.bootSeconds && { bootSeconds: scenario.bootSeconds }),
      }),
    ),
  );
  const ids = await Promise.all(
    groups.map(async (asg) => {
      const job = {
        asg,
        count: 1,
        requestId: `fault-${randomBytes(6).toString("hex")}`,
        recovery: { checkIntervalSeconds, deadlineSeconds: 120 },
        notify: { emails: ["faults@example.com"] },
      };
      const id = await p.submit(job);
      if (scenario.twice) await p.submit(job);
      return id;
    }),
  );
  const hostile = await sendHostile(p, scenario.hostile ?? 0);
  const poisonBefore = await deadLettered(p);
  const poisonSent = await sendPoison(p, scenario.poison ?? 0);
  await scenario.inject?.(p, faults);

  const ended = await Promise.allSettled(
    ids.map((id) => p.waitForEvent(id, EventType.reportSent, 400_000)),
  );
  await p.sim.setGlobalFaults({ throttleRate: 0 });
  // Counted from the producer's log (each line follows its publish): at a load of
  // hundreds, the test's own tap on the events topic is the slowest reader.
  const refusedBy = (id: string) =>
    p.services.producer.logged("experiment.rejected", id).length +
    p.services.producer.logged("rejection.replayed", id).length;
  await waitUntil("every hostile body refused", () => hostile.every((id) => refusedBy(id) > 0), {
    timeoutMs: 120_000,
    everyMs: 500,
  }).catch(() => undefined);
  await p.tap.drain();

  let lost = 0;
  let duplicated = 0;
  let terminationsDone = 0;
  let dishonest = 0;
  let worstError = 0;
  let worstStated = 0;
  for (const [i, id] of ids.entries()) {
    const terminal = p.tap.typesOf(id).filter((t) => terminalTypes.includes(t));
    if (terminal.length === 0) lost++;
    const timeline = await p.sim.timeline(groups[i]!);
    const terminated = timeline.recoveries.flatMap((r) => r.lostInstanceIds).length;
    terminationsDone += terminated;
    if (terminal.length > 1 || terminated > 1) duplicated++;
    const events = p.tap.eventsOf(id);
    const completed = events.find(
      (e): e is EventOf<"macaque.recovery.completed"> => e.type === EventType.recoveryCompleted,
    );
    const terminatedEvent = events.find(
      (e): e is EventOf<"macaque.instances.terminated"> => e.type === EventType.instancesTerminated,
    );
    const truth =
      completed &&
      terminatedEvent &&
      recoveryTruth(terminatedEvent, completed, timeline.recoveries);
    if (truth) {
      worstError = Math.max(worstError, truth.errorMs / 1000);
      worstStated = Math.max(worstStated, truth.statedMs / 1000);
      if (!truth.withinBounds) dishonest++;
    }
  }
  // A hostile body never terminates anything: each is one rejection, and only the
  // experiments' own groups lost instances.
  lost += hostile.filter((id) => refusedBy(id) === 0).length;
  // A poison message is lost unless it was dead-lettered and counted.
  if (poisonSent > 0) {
    const announced = async () => (await deadLettered(p)) - poisonBefore;
    await waitUntil(
      "every poison message dead-lettered",
      async () => (await announced()) >= poisonSent,
      {
        timeoutMs: 60_000,
        everyMs: 500,
      },
    ).catch(() => undefined);
    lost += Math.max(0, poisonSent - (await announced()));
  }
  const inbox = await readInbox(p.stack.endpoints.inbox);
  const subjects = ended.flatMap((r) => (r.status === "fulfilled" ? [r.value.data.subject] : []));
  const reportsSent = subjects.filter((s) => inbox.some((e) => e.subject === s)).length;
  const emailsPerReport = subjects.map((s) => inbox.filter((e) => e.subject === s).length);
  duplicated += emailsPerReport.filter((n) => n > 1).length;
  await scenario.cleanup?.(p);
  return {
    scenario: scenario.name,
    experiments: ids.length + hostile.length + poisonSent,
    terminationsExpected: ids.length,
    terminationsDone,
    reportsExpected: ids.length,
    reportsSent,
    lost,
    duplicated,
    worstErrorSeconds: worstError,
    statedPrecisionSeconds: worstStated,
    dishonest,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Messages the services gave up on and announced, summed over every service. */
async function deadLettered(p: Pipeline): Promise<number> {
  const counts = await Promise.all(
    serviceNames.map((name) => p.metric(name, "macaque_messages_dead_lettered_total")),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Sends `n` bodies that are no event to each internal queue; resolves with how many went. */
async function sendPoison(p: Pipeline, n: number): Promise<number> {
  if (n === 0) return 0;
  const roles = [
    QueueRole.terminations,
    QueueRole.recovery,
    QueueRole.notifications,
    QueueRole.outcomes,
  ] as const;
  const bodies = ["{", "[]", '{"type":"macaque.unknown"}', "null", "not an event"];
  for (const role of roles) {
    for (let i = 0; i < n; i++) {
      await p.sqs.send(
        new SendMessageCommand({
          QueueUrl: p.stack.topology.queues[role].url,
          MessageBody: bodies[i % bodies.length]!,
        }),
      );
    }
  }
  return roles.length * n;
}

/** Sends `n` adversarial bodies (as SQS can carry them), each under a request id of its own. */
async function sendHostile(p: Pipeline, n: number): Promise<string[]> {
  if (n === 0) return [];
  const bodies = fc.sample(hostileBody, { numRuns: n, seed: 42 });
  const ids: string[] = [];
  for (const body of bodies) {
    const sent = await p.sqs.send(
      new SendMessageCommand({
        QueueUrl: p.stack.topology.queues.requests.url,
        MessageBody: sqsSendable(body) || "(empty)",
        // (an empty body is not a message SQS takes)
      }),
    );
    ids.push(sent.MessageId!);
  }
  // The producer names a rejection after the body's requestId when it has a valid one.
  return ids.map((messageId, i) => {
    const requestId = salvageRequestFields(sqsSendable(bodies[i]!)).requestId;
    return experimentIdFor(requestId ?? messageId);
  });
}

export function formatRows(rows: Row[]): string {
  const header = [
    "scenario",
    "exps",
    "terminations exp/done",
    "reports exp/sent",
    "lost",
    "dup",
    "TTR error worst / stated",
    "time",
  ];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.experiments),
    `${r.terminationsExpected} / ${r.terminationsDone}`,
    `${r.reportsExpected} / ${r.reportsSent}`,
    String(r.lost),
    String(r.duplicated),
    `${r.worstErrorSeconds.toFixed(2)} s / ±${r.statedPrecisionSeconds.toFixed(2)} s${r.dishonest ? ` (${r.dishonest} outside)` : ""}`,
    `${r.seconds.toFixed(0)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
