/**
 * `npm run bench`: figures for the targets no test asserts (machines here are
 * shared and noisy, so numbers are printed, not checked).
 *
 * - start-up time and resident memory of each service process;
 * - recovery measurement: macaque's time to recover against the fleet
 *   simulator's ground truth, for many concurrent experiments;
 * - batching: DescribeAutoScalingGroups calls per recovery check;
 * - latency from job message to plan and to termination;
 * - groups behind a load-balancer target group: DescribeTargetHealth calls per
 *   experiment, and the time from `healthy` to `serving` against the truth.
 *
 * Options (environment): BENCH_EXPERIMENTS (default 20), BENCH_CHECK_INTERVAL
 * seconds (default 0.5), BENCH_TIME_SCALE (default 0.01), BENCH_SERVING_EXPERIMENTS
 * (default 10, each on a group with its own target group).
 */
import { EventType, serviceNames } from "@macaque/shared";
import { startPipeline } from "../support/pipeline.ts";
import { startTestService } from "../support/processes.ts";
import { benchHistory } from "./history-bench.ts";

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
const elbBefore = await p.metric("recovery-monitor", "macaque_describe_target_health_calls_total");
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
        e.type === EventType.recoveryProgressed ? [[e.data.milestone, e.data.elapsedSeconds]] : [],
      ) as [string, number][],
  );
  const [truth] = (await p.sim.timeline(asg)).recoveries;
  if (!truth?.servingAt || !truth.wholeAt) continue;
  servingLags.push(completed.data.timeToRecoverSeconds! * 1000 - truth.servingDurationMs!);
  const measured = ((milestones.get("serving") ?? NaN) - (milestones.get("healthy") ?? NaN)) * 1000;
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

await benchHistory(p.stack);

await p.stop();
