import { Counter, type Registry } from "prom-client";

/** Victims by what became of them; each victim is counted once, however often its order is delivered. */
export function createTerminatorMetrics(registry: Registry) {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ["mode"] as const, registers: [registry] });
  return {
    terminated: counter(
      "macaque_instances_terminated_total",
      "Instances terminated, by mode (ec2, asg).",
    ),
    skipped: counter(
      "macaque_instances_skipped_total",
      "Victims not terminated because the re-check found them changed, by mode.",
    ),
    failed: counter(
      "macaque_instances_failed_total",
      "Victims whose terminate call was refused for good, by mode.",
    ),
  };
}
export type TerminatorMetrics = ReturnType<typeof createTerminatorMetrics>;
