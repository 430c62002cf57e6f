import type { z } from "zod";
import type { commonEnvSchema } from "./config.ts";
import type { QueueConsumer } from "./bus.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { startOpsServer } from "./ops-server.ts";

export type CommonConfig = z.output<typeof commonEnvSchema>;

/** A stop that gave up on messages still being handled (the process exits 1). */
export class WorkAbandonedError extends Error {
  override name = "WorkAbandonedError";
  readonly messages: number;
  constructor(messages: number) {
    super(`${messages} message(s) abandoned at shutdown`);
    this.messages = messages;
  }
}

export interface ServiceParts {
  /** Consumers to start now and stop first on shutdown. */
  consumers: QueueConsumer[];
  /** Whether the service's dependencies answer (for /readyz). */
  ready(): Promise<boolean>;
  /** Releases everything else (Redis, workers, SDK clients) after the consumers stopped. */
  close(): Promise<void>;
}

export interface RunningService {
  logger: Logger;
  metrics: Metrics;
  opsPort: number;
  shutdown(reason: string): Promise<void>;
}

/**
 * The life of a service process: logger, metrics, the ops HTTP server, its parts,
 * and a graceful stop on SIGTERM/SIGINT — stop receiving, let in-flight messages
 * finish, close connections — bounded by SHUTDOWN_TIMEOUT_MS, after which the
 * process exits anyway (unfinished messages reappear on their queue).
 */
export async function runService(options: {
  service: string;
  config: CommonConfig;
  start(context: { logger: Logger; metrics: Metrics }): Promise<ServiceParts>;
}): Promise<RunningService> {
  const { config, service } = options;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const metrics = createMetrics(service);
  let parts: ServiceParts | undefined;
  let stopping: Promise<void> | undefined;
  const ops = await startOpsServer({
    port: config.HTTP_PORT,
    host: config.HTTP_HOST,
    registry: metrics.registry,
    ready: async () => !stopping && parts !== undefined && (await parts.ready()),
  });

  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ event: "service.stopping", reason }, "stopping: no new messages");
      const force = setTimeout(() => {
        logger.error({ event: "service.stop-timeout" }, "in-flight work did not finish in time");
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS + 2_000);
      force.unref();
      let abandoned: number;
      try {
        await Promise.all(parts?.consumers.map((c) => c.stop()) ?? []);
        abandoned = (parts?.consumers ?? []).reduce((n, c) => n + (c.inFlight ?? 0), 0);
        await parts?.close();
      } finally {
        await ops.close();
      }
      if (abandoned > 0) {
        // Said, and not exit 0: a supervisor must know the stop was not clean.
        logger.error(
          { event: "service.work-abandoned", messages: abandoned },
          `stopped with ${abandoned} message(s) still being handled after SHUTDOWN_TIMEOUT_MS; SQS delivers them again after their visibility timeout`,
        );
        throw new WorkAbandonedError(abandoned);
      }
      logger.info({ event: "service.stopped" }, "stopped");
    })();
    return stopping;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          if (!(err instanceof WorkAbandonedError)) {
            logger.error({ event: "service.stop-failed", err }, "did not stop cleanly");
          }
          process.exit(1);
        },
      );
    });
  }

  try {
    parts = await options.start({ logger, metrics });
  } catch (err) {
    logger.fatal({ event: "service.start-failed", err }, `could not start: ${String(err)}`);
    await ops.close();
    process.exit(1);
  }
  for (const consumer of parts.consumers) consumer.start();
  // Launchers wait for this line, so it is written whatever LOG_LEVEL says.
  logger
    .child({}, { level: "info" })
    .info(
      { event: "service.ready", url: `http://127.0.0.1:${ops.port}` },
      `${service} ready; health and metrics on port ${ops.port}`,
    );
  return { logger, metrics, opsPort: ops.port, shutdown };
}
