/**
 * `npm run bench`: figures for the targets no test asserts (machines here are
 * shared and noisy, so numbers are printed, not checked). Services run from the
 * production build (`dist/`): run `npm run build` first.
 *
 * - start-up time and idle resident memory of each service process;
 * - for N = 10, 100, 1000 concurrent experiments over N groups, each on a fresh
 *   stack: job message → experiment.planned and → first terminate call, AWS calls
 *   per experiment by service and action (the fleet simulator counts each call by
 *   the app id in its user agent), experiments per minute, CPU seconds and peak
 *   resident memory per service (Linux /proc), the stand-ins' CPU seconds and the
 *   mean handler time per request and per order (the rest of a latency is queueing);
 * - groups behind a load-balancer target group: DescribeTargetHealth calls per
 *   experiment, and the time from `healthy` to `serving` against the truth;
 * - the experiment archive (history-bench.ts);
 * - detection lag with events against the naive polling baseline, and the stated
 *   precision against the true error with the monitor restarted and under
 *   throttling (detection-bench.ts, on stacks of its own; its options are there).
 *
 * Options (environment): BENCH_SIZES (default 10,100,1000), BENCH_MAX_N (drops
 * larger sizes, for quick runs), BENCH_CHECK_INTERVAL seconds (default 1),
 * BENCH_TIME_SCALE (default 0.01), BENCH_SERVING_EXPERIMENTS (default 10),
 * BENCH_SERVICE_ENV (`NAME=value,...` for every service), BENCH_EXTRAS=0 (only the
 * start-up and scale figures: no target groups, no history).
 */
import { EventType, serviceNames, type ServiceName } from "@macaque/shared";
import { startPipeline, type Pipeline } from "../support/pipeline.ts";
import { startTestService } from "../support/processes.ts";
import { benchDetection } from "./detection-bench.ts";
import { benchHistory } from "./history-bench.ts";
import { mib, readProcessStats, type ProcessStats } from "./process-stats.ts";

const maxN = Number(process.env.BENCH_MAX_N ?? Infinity);
const sizes = (process.env.BENCH_SIZES ?? "10,100,1000")
  .split(",")
  .map(Number)
  .filter((n) => n > 0 && n <= maxN);
const checkInterval = Number(process.env.BENCH_CHECK_INTERVAL ?? "1");
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? "0.01");
// The services' environment beyond the sandbox's: BENCH_SERVICE_ENV=A=1,B=2 (for
// example AUTO_SCALING_CALLS_PER_SECOND=1000 to measure past the default budget).
const serviceEnv = Object.fromEntries(
  (process.env.BENCH_SERVICE_ENV ?? "")
    .split(",")
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const build = { build: "dist", env: serviceEnv } as const;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
const p50p99 = (values: number[]) => `${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.99))}`;
const summary = (label: string, values: number[], unit: string) =>
  `${label.padEnd(44)} median ${quantile(values, 0.5).toFixed(0)} ${unit}, p95 ${quantile(values, 0.95).toFixed(0)} ${unit}, max ${Math.max(...values).toFixed(0)} ${unit} (n=${values.length})`;

interface ScaleRun {
  n: number;
  planned: number;
  toPlan: number[];
  toTerminate: number[];
  perMinute: number;
  /** Calls by caller (app id), then action, per experiment. */
  calls: Record<string, Record<string, number>>;
  stats: Record<ServiceName, { cpuSeconds: number; peakRssBytes: number }>;
  /** CPU seconds of each stand-in (fleet simulator, fauxqs, redis, ...): what the services wait on. */
  standIns: Record<string, number>;
  /** Mean time a message's handler ran, ms: what is not waiting in a queue. */
  handlerMs: { requests: number; terminations: number };
}

/** Sum and count of a queue's handler-time histogram on a service's /metrics. */
const handlerTotals = async (p: Pipeline, service: ServiceName, queue: string) => {
  const part = `queue="${queue}"`;
  return {
    sum: await p.metric(service, "macaque_message_handler_seconds_sum", part),
    count: await p.metric(service, "macaque_message_handler_seconds_count", part),
  };
};
const handlerMean = (
  before: { sum: number; count: number },
  after: { sum: number; count: number },
) => ((after.sum - before.sum) * 1000) / Math.max(1, after.count - before.count);

const statsOf = async (p: Pipeline) =>
  Object.fromEntries(
    await Promise.all(
      serviceNames.map(async (n) => [n, await readProcessStats(p.services[n].process.child.pid!)]),
    ),
  ) as Record<ServiceName, ProcessStats>;

/** CPU seconds of the stack's own processes (the stand-ins), by name. */
const standInCpu = async (p: Pipeline): Promise<Record<string, number>> =>
  Object.fromEntries(
    await Promise.all(
      p.stack.processes
        .filter((proc) => proc.child.pid !== undefined)
        .map(async (proc) => [proc.name, (await readProcessStats(proc.child.pid!)).cpuSeconds]),
    ),
  );

/** N concurrent experiments over N fresh groups on `p`, measured from the first send. */
async function runScale(p: Pipeline, n: number): Promise<ScaleRun> {
  const groups: string[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () =>
      p.createGroup({ desiredCapacity: 4, maxSize: 8 }),
    );
    groups.push(...(await Promise.all(batch)));
  }
  await p.sim.resetCounters();
  const before = await statsOf(p);
  const standInsBefore = await standInCpu(p);
  const requestsBefore = await handlerTotals(p, "producer", "requests");
  const ordersBefore = await handlerTotals(p, "terminator", "terminations");
  const startedAt = Date.now();
  const sent = new Map<string, number>();
  const ids: string[] = [];
  // 50 sends at a time: a thousand at once time out connecting to the SQS stand-in.
  const queue = [...groups];
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let asg = queue.shift(); asg !== undefined; asg = queue.shift()) {
        const t = Date.now();
        const id = await p.submit({
          asg,
          count: 2,
          recovery: { checkIntervalSeconds: checkInterval, deadlineSeconds: 300 },
        });
        sent.set(id, t);
        ids.push(id);
      }
    }),
  );
  // One wait at a time: each wait polls the tap, and the tap keeps every event it
  // received, so the later waits find theirs at once; the figures come from the
  // events' own times, not from when the bench read them.
  const timeoutMs = 120_000 + n * 300;
  const results = [];
  for (const id of ids) {
    const planned = await p.waitForEvent(id, EventType.experimentPlanned, timeoutMs);
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated, timeoutMs);
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted, timeoutMs);
    results.push({
      toPlan: Date.parse(planned.time) - sent.get(id)!,
      toTerminate: Date.parse(terminated.data.terminatedAt) - sent.get(id)!,
      completedAt: Date.parse(completed.time),
    });
  }
  const after = await statsOf(p);
  const standInsAfter = await standInCpu(p);
  const standIns = Object.fromEntries(
    Object.entries(standInsAfter).map(([name, cpu]) => [name, cpu - (standInsBefore[name] ?? 0)]),
  );
  const handlerMs = {
    requests: handlerMean(requestsBefore, await handlerTotals(p, "producer", "requests")),
    terminations: handlerMean(ordersBefore, await handlerTotals(p, "terminator", "terminations")),
  };
  const lastCompleted = Math.max(...results.map((r) => r.completedAt));
  const { byCaller } = await p.sim.counters();
  const calls = Object.fromEntries(
    Object.entries(byCaller).map(([caller, actions]) => [
      caller,
      Object.fromEntries(Object.entries(actions).map(([a, count]) => [a, count / n])),
    ]),
  );
  const stats = Object.fromEntries(
    serviceNames.map((s) => [
      s,
      {
        cpuSeconds: after[s].cpuSeconds - before[s].cpuSeconds,
        peakRssBytes: after[s].peakRssBytes,
      },
    ]),
  ) as ScaleRun["stats"];
  return {
    n,
    planned: results.length,
    toPlan: results.map((r) => r.toPlan),
    toTerminate: results.map((r) => r.toTerminate),
    perMinute: (n * 60_000) / (lastCompleted - startedAt),
    calls,
    stats,
    standIns,
    handlerMs,
  };
}

function printScale(runs: ScaleRun[]): void {
  const row = (label: string, cell: (r: ScaleRun) => string) =>
    console.log(`${label.padEnd(46)}${runs.map((r) => cell(r).padStart(18)).join("")}`);
  console.log(
    `\nconcurrent experiments over as many groups (2 of 4 instances each, ec2 mode, check interval ${checkInterval * 1000} ms)`,
  );
  if (process.env.BENCH_SERVICE_ENV)
    console.log(`services' environment: ${process.env.BENCH_SERVICE_ENV}`);
  row("N", (r) => String(r.n));
  row("job → experiment.planned p50 / p99", (r) => p50p99(r.toPlan));
  row("job → first terminate call p50 / p99", (r) => p50p99(r.toTerminate));
  row("experiments per minute (send → last report)", (r) => r.perMinute.toFixed(0));
  row("producer handler time per request (mean)", (r) => ms(r.handlerMs.requests));
  row("terminator handler time per order (mean)", (r) => ms(r.handlerMs.terminations));
  const total = (r: ScaleRun) =>
    Object.values(r.calls).reduce((s, a) => s + Object.values(a).reduce((x, y) => x + y, 0), 0);
  row("AWS calls per experiment, end to end", (r) => total(r).toFixed(2));
  const keys = [
    ...new Set(
      runs.flatMap((r) =>
        Object.entries(r.calls).flatMap(([c, a]) => Object.keys(a).map((x) => `${c} ${x}`)),
      ),
    ),
  ].sort();
  for (const key of keys) {
    const [caller, action] = key.split(" ") as [string, string];
    row(`  ${caller.replace(/^macaque-/, "")} ${action}`, (r) =>
      (r.calls[caller]?.[action] ?? 0).toFixed(2),
    );
  }
  const standIns = [...new Set(runs.flatMap((r) => Object.keys(r.standIns)))];
  for (const name of standIns) {
    row(`${name} (stand-in) CPU s`, (r) => (r.standIns[name] ?? 0).toFixed(1));
  }
  for (const s of serviceNames) {
    row(
      `${s} CPU s / peak RSS MiB`,
      (r) => `${r.stats[s].cpuSeconds.toFixed(1)} / ${mib(r.stats[s].peakRssBytes)}`,
    );
  }
}

// A second instance of each service, started alone from dist/: its start-up time
// is not shared with the others, and its memory is what one idle process costs.
async function printStartup(p: Pipeline): Promise<void> {
  console.log("service            start-up to ready   resident memory (idle, production build)");
  for (const name of serviceNames) {
    const t = Date.now();
    const extra = await startTestService(p.stack, name, build);
    const startup = Date.now() - t;
    const { rssBytes } = await readProcessStats(extra.process.child.pid!);
    await extra.stop();
    console.log(
      `${name.padEnd(18)} ${`${startup} ms`.padStart(10)}          ${mib(rssBytes).padStart(5)} MiB`,
    );
  }
}

async function benchServing(p: Pipeline): Promise<void> {
  // Behind target groups: one target group per group, checked only once the group
  // is healthy; the calls per experiment are what an operator pays in ELB's budget.
  const servingExperiments = Number(process.env.BENCH_SERVING_EXPERIMENTS ?? "10");
  const servingGroups = await Promise.all(
    Array.from({ length: servingExperiments }, (_, i) =>
      p.createGroup({
        desiredCapacity: 4,
        maxSize: 8,
        targetGroups: [
          {
            name: `bench-tg-${i}-${Date.now().toString(36)}`,
            healthCheckIntervalSeconds: 10,
            healthyThresholdCount: 3,
            deregistrationDelaySeconds: 10,
          },
        ],
      }),
    ),
  );
  const elbBefore = await p.metric(
    "recovery-monitor",
    "macaque_describe_target_health_calls_total",
  );
  const servingIds = await Promise.all(
    servingGroups.map(async (asg) => ({
      asg,
      id: await p.submit({
        asg,
        count: 2,
        recovery: { checkIntervalSeconds: checkInterval, deadlineSeconds: 120 },
      }),
    })),
  );
  const servingLags: number[] = [];
  const toServingLags: number[] = [];
  let served = 0;
  for (const { id, asg } of servingIds) {
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted, 180_000);
    if (completed.data.outcome !== "recovered") continue;
    served++;
    const milestones = new Map(
      p
        .eventsOf(id)
        .flatMap((e) =>
          e.type === EventType.recoveryProgressed
            ? [[e.data.milestone, e.data.elapsedSeconds]]
            : [],
        ) as [string, number][],
    );
    const [truth] = (await p.sim.timeline(asg)).recoveries;
    if (!truth?.servingAt || !truth.wholeAt) continue;
    servingLags.push(completed.data.timeToRecoverSeconds! * 1000 - truth.servingDurationMs!);
    const measured =
      ((milestones.get("serving") ?? NaN) - (milestones.get("healthy") ?? NaN)) * 1000;
    toServingLags.push(measured - (Date.parse(truth.servingAt) - Date.parse(truth.wholeAt)));
  }
  const elbCalls =
    (await p.metric("recovery-monitor", "macaque_describe_target_health_calls_total")) - elbBefore;
  console.log(
    `\n${servingExperiments} experiments on groups behind a target group (3 checks 10 s apart, simulated)`,
  );
  console.log(`recovered (serving)                          ${served} of ${servingExperiments}`);
  console.log(summary("measured − true time to serving", servingLags, "ms"));
  console.log(summary("healthy → serving, measured − true", toServingLags, "ms"));
  console.log(
    `DescribeTargetHealth calls                   ${elbCalls} (${(elbCalls / Math.max(1, servingExperiments)).toFixed(1)} per experiment)`,
  );
}

const runs: ScaleRun[] = [];
for (const [i, n] of sizes.entries()) {
  const startedAt = Date.now();
  const p = await startPipeline({ timeScale, services: build });
  try {
    if (i === 0) {
      console.log(
        `stack and four services up in ${Date.now() - startedAt} ms (time scale ${timeScale})\n`,
      );
      await printStartup(p);
    }
    runs.push(await runScale(p, n));
    console.error(`N=${n} done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    if (i === 0 && process.env.BENCH_EXTRAS !== "0") {
      await benchServing(p);
      await benchHistory(p.stack);
    }
  } finally {
    await p.stop();
  }
}
printScale(runs);
// Detection lag against the naive polling baseline, on pipelines of its own.
if (process.env.BENCH_EXTRAS !== "0") await benchDetection();
