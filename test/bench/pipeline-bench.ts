/**
 * `npm run bench`: figures for the targets no test asserts (machines here are
 * shared and noisy, so numbers are printed, not checked).
 *
 * - start-up time and resident memory of each service process;
 * - recovery measurement: macaque's time to recover against the fleet
 *   simulator's ground truth, for many concurrent experiments;
 * - batching: DescribeAutoScalingGroups calls per recovery check;
 * - latency from job message to plan and to termination.
 *
 * Options (environment): BENCH_EXPERIMENTS (default 20), BENCH_CHECK_INTERVAL
 * seconds (default 0.5), BENCH_TIME_SCALE (default 0.01).
 */
import { EventType, serviceNames } from "@macaque/shared";
import { startPipeline } from "../support/pipeline.ts";
import { startTestService } from "../support/processes.ts";

const experiments = Number(process.env.BENCH_EXPERIMENTS ?? "20");
const checkInterval = Number(process.env.BENCH_CHECK_INTERVAL ?? "0.5");
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? "0.01");

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const summary = (label: string, values: number[], unit: string) =>
  `${label.padEnd(44)} median ${quantile(values, 0.5).toFixed(0)} ${unit}, p95 ${quantile(values, 0.95).toFixed(0)} ${unit}, max ${Math.max(...values).toFixed(0)} ${unit} (n=${values.length})`;

const startedAt = Date.now();
const p = await startPipeline({ timeScale });
console.log(
  `stack and four services up in ${Date.now() - startedAt} ms (time scale ${timeScale})\n`,
);

// A second instance of each service, started alone: its start-up time is not
// shared with the others, and its memory is what one idle process costs.
console.log("service            start-up to ready   resident memory (idle)");
for (const name of serviceNames) {
  const t = Date.now();
  const extra = await startTestService(p.stack, name);
  const startup = Date.now() - t;
  const rss = await extra.metric("process_resident_memory_bytes");
  await extra.stop();
  console.log(
    `${name.padEnd(18)} ${`${startup} ms`.padStart(10)}          ${(rss / 2 ** 20).toFixed(0).padStart(5)} MiB`,
  );
}

const groups = await Promise.all(
  Array.from({ length: experiments }, () => p.createGroup({ desiredCapacity: 4, maxSize: 8 })),
);
const describesBefore = await p.metric(
  "recovery-monitor",
  "macaque_describe_auto_scaling_groups_calls_total",
);
const checksBefore = await p.metric("recovery-monitor", "macaque_recovery_checks_total");
const sent = new Map<string, number>();
const ids = await Promise.all(
  groups.map(async (asg) => {
    const t = Date.now();
    const id = await p.submit({
      asg,
      count: 2,
      recovery: { checkIntervalSeconds: checkInterval, deadlineSeconds: 120 },
    });
    sent.set(id, t);
    return { id, asg };
  }),
);

const lags: number[] = [];
const toPlan: number[] = [];
const toTerminate: number[] = [];
let recovered = 0;
for (const { id, asg } of ids) {
  const planned = await p.waitForEvent(id, EventType.experimentPlanned, 60_000);
  const terminated = await p.waitForEvent(id, EventType.instancesTerminated, 60_000);
  const completed = await p.waitForEvent(id, EventType.recoveryCompleted, 180_000);
  toPlan.push(Date.parse(planned.time) - sent.get(id)!);
  toTerminate.push(Date.parse(terminated.data.terminatedAt) - sent.get(id)!);
  if (completed.data.outcome !== "recovered") continue;
  recovered++;
  const [truth] = (await p.sim.timeline(asg)).recoveries;
  lags.push(completed.data.timeToRecoverSeconds! * 1000 - truth!.durationMs!);
}
const describes =
  (await p.metric("recovery-monitor", "macaque_describe_auto_scaling_groups_calls_total")) -
  describesBefore;
const checks = (await p.metric("recovery-monitor", "macaque_recovery_checks_total")) - checksBefore;

console.log(
  `\n${experiments} concurrent experiments, 2 of 4 instances each, check interval ${checkInterval * 1000} ms`,
);
console.log(`recovered                                    ${recovered} of ${experiments}`);
console.log(summary("job message → experiment.planned", toPlan, "ms"));
console.log(summary("job message → first terminate call", toTerminate, "ms"));
console.log(summary("measured − true time to recover", lags, "ms"));
console.log(
  `  (the measurement may lag by up to one check interval, ${checkInterval * 1000} ms, never lead)`,
);
console.log(`recovery checks                              ${checks}`);
console.log(
  `DescribeAutoScalingGroups calls              ${describes} (${(checks / Math.max(1, describes)).toFixed(1)} checks per call)`,
);

await p.stop();
