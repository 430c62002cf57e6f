/** Process entry: read the environment, start the Scheduler stand-in, stop on a signal. */
import { SQSClient } from "@aws-sdk/client-sqs";
import { pino } from "pino";
import { z } from "zod";
import { startSchedulerSim } from "./server.ts";

const logger = pino({ base: { service: "scheduler-sim" } });

const configSchema = z.object({
  SCHEDULER_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(4600),
  SCHEDULER_SIM_HOST: z.string().default("127.0.0.1"),
  SCHEDULER_SIM_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  AWS_REGION: z.string().default("us-east-1"),
  /** Schedule groups to create at start, comma-separated (the CDK stack's, in production). */
  SCHEDULER_SIM_GROUPS: z
    .string()
    .default("")
    .transform((text) => text.split(",").map((g) => g.trim()).filter(Boolean)),
});

async function main(): Promise<void> {
  const parsed = configSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    process.stderr.write(`scheduler-sim: invalid configuration:\n${lines.join("\n")}\n`);
    process.exit(78);
  }
  const config = parsed.data;
  // The SDK finds the endpoint in AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL itself; a
  // stand-in's queue URL may name a host that does not resolve (sqs.<region>.localhost).
  const sqs = new SQSClient({ region: config.AWS_REGION, useQueueUrlAsEndpoint: false });
  const sim = await startSchedulerSim({
    port: config.SCHEDULER_SIM_PORT,
    host: config.SCHEDULER_SIM_HOST,
    timeScale: config.SCHEDULER_SIM_TIME_SCALE,
    region: config.AWS_REGION,
    sqs,
    logger,
    groups: config.SCHEDULER_SIM_GROUPS,
  });
  const stop = (signal: string): void => {
    logger.info({ event: "scheduler-sim.stopping", signal }, "stopping");
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  logger.info(
    { event: "scheduler-sim.listening", url: sim.url, timeScale: config.SCHEDULER_SIM_TIME_SCALE },
    "listening",
  );
}

main().catch((err: unknown) => {
  logger.error({ event: "scheduler-sim.failed", err }, "scheduler stand-in failed");
  process.exit(1);
});
