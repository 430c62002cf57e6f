import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The monitor's own metrics, on the service registry beside the message counters. */
export function createMonitorMetrics(
  registry: Registry,
  /** Experiments with a pending check, counted in Redis so it survives restarts. */
  countInFlight: () => Promise<number>,
) {
  const registers = [registry];
  return {
    recoverySeconds: new Histogram({
      name: "macaque_recovery_seconds",
      help: "Time from termination to recovery (recovered) or to giving up (not-recovered).",
      labelNames: ["outcome"] as const,
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600],
      registers,
    }),
    checks: new Counter({
      name: "macaque_recovery_checks_total",
      help: "Recovery checks, by result: observed, missed (AWS error) or gone (no such group).",
      labelNames: ["result"] as const,
      registers,
    }),
    describeCalls: new Counter({
      name: "macaque_describe_auto_scaling_groups_calls_total",
      help: "DescribeAutoScalingGroups calls made by the batched checks.",
      registers,
    }),
    targetHealthCalls: new Counter({
      name: "macaque_describe_target_health_calls_total",
      help: "DescribeTargetHealth calls made by the shared, rate-limited checks.",
      registers,
    }),
    inFlight: new Gauge({
      name: "macaque_recovery_experiments_in_flight",
      help: "Experiments still being monitored (in Redis: the same on every replica; aggregate with max).",
      registers,
      async collect() {
        this.set(await countInFlight());
      },
    }),
  };
}
export type MonitorMetrics = ReturnType<typeof createMonitorMetrics>;
