/**
 * Recovery detection at fleet scale: event-driven detection (AWS's own events wake
 * the check) against the naive baseline (one DescribeAutoScalingGroups per
 * experiment per check, no events, no batching), for N concurrent experiments over
 * N groups, against the fleet simulator's ground truth. Then two runs under
 * faults — the monitor killed and restarted mid-way, half the AWS calls
 * throttled — printing the stated precision against the true error.
 *
 * With events the check interval is only the safety net, so event mode runs with
 * a long one (BENCH_EVENTS_CHECK_INTERVAL, default 30 s) and the baseline with a
 * short one (BENCH_CHECK_INTERVAL, default 1 s): the lag shows events beat even
 * fast polling, the calls show what fast polling costs.
 *
 * Figures are printed, never asserted. Options (environment):
 * BENCH_DETECTION_MAX_N (default 1000: runs N = 10, 100, 1000 up to it),
 * BENCH_DETECTION_SIZES (default `10,100,1000`),
 * BENCH_TIME_SCALE (default 0.1: a 30 s boot takes 3 s, health follows within
 * 0.5 s), BENCH_FAULT_N (default 10 experiments per fault run),
 * BENCH_DETECTION_FAULTS_ONLY=1 (only the fault runs), BENCH_DETECTION_FAULTS=0
 * (no fault runs), BENCH_DETECTION_MODES (default `events,naive`),
 * BENCH_MONITOR_LOG_LEVEL (the monitor's LOG_LEVEL; with SERVICE_LOGS=1 its lines
 * are printed), BENCH_MONITOR_ENV (more of the monitor's environment, as JSON:
 * `{"WORKER_CONCURRENCY":"200"}`).
 *
 * Alone: node --import ./scripts/ensure-node.mjs --conditions=source test/bench/detection-bench.ts
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { EventType } from "@macaque/shared";
import { startPipeline, type Pipeline } from "../support/pipeline.ts";
import { startTestService, type TestService } from "../support/processes.ts";
import { recoveryTruth } from "../support/recovery-truth.ts";

type Mode = "events" | "naive";

interface Run {
  label: string;
  n: number;
  recovered: number;
  lagsMs: number[];
  describesPerExperiment: number;
  /** Checks that observed the group, per experiment (each is one group in a describe). */
  looksPerExperiment: number;
  /** Per recovered experiment: the stated precision and the true error, ms. */
  stated: number[];
  errors: number[];
  /** Experiments whose true recovery moment fell outside the stated bounds. */
  outside: number;
  /** Recoveries dated by a launch event rather than by a check's look. */
  byEvent: number;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const fixed = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : "—");

const describeMetric = "macaque_describe_auto_scaling_groups_calls_total";

export async function benchDetection(): Promise<void> {
  const maxN = Number(process.env.BENCH_DETECTION_MAX_N ?? "1000");
  const naiveInterval = Number(process.env.BENCH_CHECK_INTERVAL ?? "1");
  const eventsInterval = Number(process.env.BENCH_EVENTS_CHECK_INTERVAL ?? "30");
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? "0.1");
  const modes = (process.env.BENCH_DETECTION_MODES ?? "events,naive")
    .split(",")
    .filter((m): m is Mode => m === "events" || m === "naive");
  const intervalOf = (mode: Mode) => (mode === "events" ? eventsInterval : naiveInterval);
  const faultN = Number(process.env.BENCH_FAULT_N ?? "10");
  const sizes =
    process.env.BENCH_DETECTION_FAULTS_ONLY === "1"
      ? []
      : (process.env.BENCH_DETECTION_SIZES?.split(",").map(Number) ?? [10, 100, 1000]).filter(
          (n) => n <= maxN,
        );

  const p = await startPipeline({ timeScale });
  // The pipeline's monitor is replaced by one per mode.
  await p.services["recovery-monitor"].stop();
  let monitor: TestService | undefined;
  const startMonitor = async (mode: Mode): Promise<TestService> => {
    await monitor?.stop();
    monitor = await startTestService(p.stack, "recovery-monitor", {
      // No budget in the way: the runs compare what each mode asks for.
      env: {
        DETECTION_MODE: mode,
        AUTO_SCALING_CALLS_PER_SECOND: "1000",
        ...(process.env.BENCH_MONITOR_LOG_LEVEL && {
          LOG_LEVEL: process.env.BENCH_MONITOR_LOG_LEVEL,
        }),
        ...(JSON.parse(process.env.BENCH_MONITOR_ENV ?? "{}") as Record<string, string>),
      },
    });
    return monitor;
  };

  try {
    const runs: Run[] = [];
    for (const n of sizes) {
      for (const mode of modes) {
        await startMonitor(mode);
        const interval = intervalOf(mode);
        const run = await measure(p, () => monitor!, { label: `${mode} N=${n}`, n, interval });
        runs.push(run);
        // As it goes, for a long run; the table below gathers them.
        console.error(
          `done: ${run.label}, lag p50 ${fixed(quantile(run.lagsMs, 0.5))} / p99 ` +
            `${fixed(quantile(run.lagsMs, 0.99))} ms, ${run.describesPerExperiment.toFixed(3)} ` +
            `describes and ${run.looksPerExperiment.toFixed(1)} looks per experiment, ` +
            `outside the bounds ${run.outside}`,
        );
      }
    }
    console.log(
      `\nRecovery detection, time scale ${timeScale}, 2 of 4 instances terminated per group ` +
        `(Auto Scaling mode); checks every ${eventsInterval} s with events, every ${naiveInterval} s naive`,
    );
    console.log(
      "run              recovered  lag p50 / p99 / max ms    describes/experiment  ratio to naive  looks/experiment  groups/describe",
    );
    for (const run of runs) {
      const naive = runs.find((r) => r.n === run.n && r.label.startsWith("naive"));
      const ratio = naive ? naive.describesPerExperiment / run.describesPerExperiment : NaN;
      console.log(
        `${run.label.padEnd(16)} ${`${run.recovered}/${run.n}`.padStart(9)}  ` +
          `${`${fixed(quantile(run.lagsMs, 0.5))} / ${fixed(quantile(run.lagsMs, 0.99))} / ${fixed(Math.max(...run.lagsMs))}`.padEnd(25)} ` +
          `${run.describesPerExperiment.toFixed(2).padStart(20)}  ${(run.label.startsWith("naive") ? "1×" : `${ratio.toFixed(1)}× fewer`).padStart(14)}  ` +
          `${run.looksPerExperiment.toFixed(1).padStart(16)}  ${(run.looksPerExperiment / run.describesPerExperiment).toFixed(1).padStart(15)}`,
      );
    }

    // Under faults, in events mode: is the stated precision ever smaller than the true error?
    const faults: Run[] = [];
    if (process.env.BENCH_DETECTION_FAULTS === "0") {
      for (const run of runs) printPrecision(run);
      return;
    }
    await startMonitor("events");
    faults.push(
      await measure(p, () => monitor!, {
        label: "monitor restarted",
        n: faultN,
        interval: eventsInterval,
        // Killed once every victim is gone, down 3 s, started again.
        midway: async () => {
          await monitor!.kill();
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          await startMonitor("events");
        },
      }),
    );
    await p.sim.setGlobalFaults({ throttleRate: 0.5 });
    try {
      faults.push(
        await measure(p, () => monitor!, {
          label: "50% throttled",
          n: faultN,
          interval: eventsInterval,
        }),
      );
    } finally {
      await p.sim.setGlobalFaults({ throttleRate: 0 });
    }
    for (const run of [...runs, ...faults]) printPrecision(run);
  } finally {
    await monitor?.stop();
    await p.stop();
  }
}

function printPrecision(run: Run): void {
  console.log(
    `${`${run.label}:`.padEnd(20)} stated precision p50 ${fixed(quantile(run.stated, 0.5))} ms, ` +
      `max ${fixed(Math.max(...run.stated))} ms; true error p50 ${fixed(quantile(run.errors, 0.5))} ms, ` +
      `max ${fixed(Math.max(...run.errors))} ms; outside the stated bounds: ${run.outside} of ${run.recovered}; ` +
      `dated by an event: ${run.byEvent}`,
  );
}

/**
 * At most `limit` calls at a time: a thousand at once left sockets waiting past the
 * SDK's connection timeout on a busy machine, and the pool sends no faster anyway.
 */
async function mapLimited<T, R>(items: T[], fn: (item: T) => Promise<R>, limit = 50): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function measure(
  p: Pipeline,
  monitor: () => TestService,
  options: { label: string; n: number; interval: number; midway?: () => Promise<void> },
): Promise<Run> {
  // Named by the run: thousands of random short names may collide.
  const tag = `${options.label.replace(/\W+/g, "-")}-${randomBytes(2).toString("hex")}`;
  const groups = await mapLimited(
    Array.from({ length: options.n }, (_, i) => i),
    (i) => p.createGroup({ name: `g-${tag}-${i}`, desiredCapacity: 4, maxSize: 8 }),
  );
  const before = await monitor().metric(describeMetric);
  const ids = await mapLimited(groups, async (asg) => ({
    asg,
    id: await p.submit({
      asg,
      count: 2,
      mode: "asg",
      recovery: { checkIntervalSeconds: options.interval, deadlineSeconds: 120 },
    }),
  }));
  if (options.midway) {
    await Promise.all(
      ids.map(({ id }) => p.waitForEvent(id, EventType.instancesTerminated, 600_000)),
    );
    await options.midway();
  }
  const run: Run = {
    label: options.label,
    n: options.n,
    recovered: 0,
    lagsMs: [],
    describesPerExperiment: 0,
    looksPerExperiment: 0,
    stated: [],
    errors: [],
    outside: 0,
    byEvent: 0,
  };
  let looks = 0;
  for (const { id, asg } of ids) {
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated, 600_000);
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted, 600_000);
    looks += completed.data.checks;
    if (completed.data.outcome !== "recovered") continue;
    run.recovered++;
    const { recoveries } = await p.sim.timeline(asg);
    const truth = recoveryTruth(terminated, completed, recoveries);
    if (!truth) continue;
    const start = Date.parse(terminated.data.terminatedAt);
    run.lagsMs.push(
      completed.data.timeToRecoverSeconds! * 1000 - (truth.wholeAt - truth.disruptedAt),
    );
    if (completed.data.detectedBy === "event") run.byEvent++;
    run.errors.push(truth.errorMs);
    run.stated.push(truth.statedMs);
    if (!truth.withinBounds) {
      run.outside++;
      console.log(
        `  ${options.label}: ${id} truth whole at ${new Date(truth.wholeAt).toISOString()}, ` +
          `terminatedAt ${terminated.data.terminatedAt} (+${truth.wholeAt - start} ms), bounds ` +
          `${JSON.stringify(completed.data.timeToRecoverBounds)}, measured ` +
          `${completed.data.timeToRecoverSeconds} s (${completed.data.detectedBy})`,
      );
    }
  }
  // A restarted monitor's counter starts again at 0: only the run without a restart is counted.
  const describes = (await monitor().metric(describeMetric)) - (options.midway ? 0 : before);
  run.describesPerExperiment = describes / options.n;
  run.looksPerExperiment = looks / options.n;
  return run;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchDetection();
}
