import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** A registry per process with Node's default metrics and the message counters every service has. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const messagesHandled = new Counter({
    name: "macaque_messages_handled_total",
    help: "Messages handled, by queue and outcome (done, rejected, poison, retried, timed-out).",
    labelNames: ["queue", "outcome"] as const,
    registers: [registry],
  });
  const handlerSeconds = new Histogram({
    name: "macaque_message_handler_seconds",
    help: "Time spent handling one message.",
    labelNames: ["queue"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const messagesDeadLettered = new Counter({
    name: "macaque_messages_dead_lettered_total",
    help: "Messages a service gave up on, moved or about to move to a dead-letter queue, by queue and why (poison, retries-exhausted).",
    labelNames: ["queue", "why"] as const,
    registers: [registry],
  });
  return { registry, messagesHandled, handlerSeconds, messagesDeadLettered };
}
export type Metrics = ReturnType<typeof createMetrics>;
