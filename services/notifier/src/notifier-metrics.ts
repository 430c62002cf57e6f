import { Counter, type Registry } from "prom-client";

/** The notifier's own counters, beside the message counters every service has. */
export function createNotifierMetrics(registry: Registry) {
  return {
    emailsSent: new Counter({
      name: "macaque_emails_sent_total",
      help: "Report emails SES accepted.",
      registers: [registry],
    }),
    emailsRejected: new Counter({
      name: "macaque_emails_rejected_total",
      help: "Report emails SES refused for good (unverified sender or recipient).",
      registers: [registry],
    }),
    reportsPublished: new Counter({
      name: "macaque_reports_published_total",
      help: "Report summaries published to the reports topic, by report kind.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    experimentsArchived: new Counter({
      name: "macaque_experiments_archived_total",
      help: "Experiment records written to the history bucket (a redelivery writes the same objects again), by report kind.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
  };
}
export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
