/** Process entry: read the environment, start the Scheduler stand-in, stop on a signal. */
import { SQSClient } from "@aws-sdk/client-sqs";
import { pino } from "pino";
import { ConfigError } from "@macaque/shared";
import { loadSchedulerSimConfig } from "./config.ts";
import { startSchedulerSim } from "./server.ts";

const logger = pino({ base: { service: "scheduler-sim" } });

async function main(): Promise<void> {
  const config = loadSchedulerSimConfig(process.env);
  // The SDK finds the endpoint in AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL itself; a
  // stand-in's queue URL may name a host that does not resolve (sqs.<region>.localhost).
  const sqs = new SQSClient({ region: config.AWS_REGION, useQueueUrlAsEndpoint: false });
  const sim = await startSchedulerSim({
    port: config.SCHEDULER_SIM_PORT,
    host: config.SCHEDULER_SIM_HOST,
    timeScale: config.SCHEDULER_SIM_TIME_SCALE,
    region: config.AWS_REGION,
    groups: config.SCHEDULER_SIM_GROUPS,
    sqs,
    logger,
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
  if (err instanceof ConfigError) {
    // EX_CONFIG, as the services stop on a bad variable.
    process.stderr.write(`scheduler-sim: ${err.message}\n`);
    process.exit(78);
  }
  logger.error({ event: "scheduler-sim.failed", err }, "scheduler stand-in failed");
  process.exit(1);
});
