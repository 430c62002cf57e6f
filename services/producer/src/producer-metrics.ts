import { Counter, type Registry } from "prom-client";

export function createProducerMetrics(registry: Registry) {
  return {
    planned: new Counter({
      name: "macaque_producer_experiments_planned_total",
      help: "Experiments planned (replays of a kept plan not counted), by dry_run.",
      labelNames: ["dry_run"] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: "macaque_producer_rejections_total",
      help: "Reasons requests were rejected, by stage and reason code (one request can add several).",
      labelNames: ["stage", "code"] as const,
      registers: [registry],
    }),
    leasesReleased: new Counter({
      name: "macaque_producer_leases_released_total",
      help: "Group leases released early by an outcome event.",
      registers: [registry],
    }),
    scheduleSlots: new Counter({
      name: "macaque_producer_schedule_slots_total",
      help: "Slots of schedules received, by result: run, refused (blackout), not-drawn or blackout (skipped).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    fannedOut: new Counter({
      name: "macaque_producer_fanned_out_jobs_total",
      help: "Group jobs sent to the request queue for selector requests (a redelivered parent counts again).",
      registers: [registry],
    }),
  };
}
export type ProducerMetrics = ReturnType<typeof createProducerMetrics>;
