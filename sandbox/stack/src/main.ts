/**
 * `npm run sandbox`: the whole of macaque on one machine, no Docker, no AWS
 * account. Starts the stand-ins, provisions the topology, seeds the demo fleet,
 * starts the four services and waits for Ctrl-C.
 */
import { z } from "zod";
import { defaultNamePrefix, parseEnv, ConfigError } from "@macaque/shared";
import { seedDemoFleet } from "./demo-fleet.ts";
import { RedisServerMissingError } from "./redis-server.ts";
import { startServices } from "./services.ts";
import { startStack } from "./stack.ts";

const port = (fallback: number) =>
  z.coerce
    .number({ error: "must be a port number" })
    .int("must be a port number")
    .min(0, "must be 0-65535")
    .max(65_535, "must be 0-65535")
    .default(fallback);

const envSchema = z.object({
  SANDBOX_SQS_PORT: port(4566),
  SANDBOX_SES_PORT: port(8005),
  SANDBOX_INBOX_PORT: port(8006),
  SANDBOX_FLEET_SIM_PORT: port(4599),
  SANDBOX_TIME_SCALE: z.coerce
    .number({ error: "must be a number" })
    .positive("must be greater than 0")
    .max(1, "must be at most 1")
    .default(0.1),
  REDIS_URL: z.url("must be a redis:// URL").optional(),
  MACAQUE_NAME_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .default(defaultNamePrefix),
  SANDBOX_SERVICES: z.enum(["true", "false"], { error: "must be true or false" }).default("true"),
});

async function main(): Promise<void> {
  const env = parseEnv(envSchema, process.env);
  console.log(
    "macaque sandbox: starting fauxqs, aws-ses-v2-local, the fleet simulator and Redis ...",
  );
  const stack = await startStack({
    prefix: env.MACAQUE_NAME_PREFIX,
    redisUrl: env.REDIS_URL,
    timeScale: env.SANDBOX_TIME_SCALE,
    ports: {
      fauxqs: env.SANDBOX_SQS_PORT,
      ses: env.SANDBOX_SES_PORT,
      inbox: env.SANDBOX_INBOX_PORT,
      fleetSim: env.SANDBOX_FLEET_SIM_PORT,
    },
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nmacaque sandbox: ${signal}, stopping every process ...`);
    await stack.stop();
    console.log("macaque sandbox: stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  let groups: string[];
  try {
    groups = await seedDemoFleet(stack.endpoints.fleetSim);
    if (env.SANDBOX_SERVICES === "true") {
      await startServices(stack, {
        onLine: (service, line) => process.stdout.write(`[${service}] ${line}\n`),
      });
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  const e = stack.endpoints;
  // fauxqs names queues on sqs.<region>.localhost, which not every resolver knows;
  // it routes by path, so the same queue is reachable on the address it listens on.
  const requestQueueUrl = `${e.sqs}${new URL(stack.topology.queues.requests.url).pathname}`;
  console.log(`
macaque sandbox is ready (time scale ${env.SANDBOX_TIME_SCALE}: a 30 s boot takes ${30 * env.SANDBOX_TIME_SCALE} s)

  SQS + SNS (fauxqs)        ${e.sqs}
  SES                       ${e.ses}
  SES web inbox             ${e.inbox}
  EC2 + Auto Scaling (sim)  ${e.fleetSim}   control: ${e.fleetSim}/_sim/
  Redis                     ${e.redis}
  request queue             ${requestQueueUrl}
  events topic              ${stack.topology.topics.events.arn}
  demo groups               ${groups.join(", ")}
  services                  ${env.SANDBOX_SERVICES === "true" ? "producer, terminator, recovery-monitor, notifier" : "not started (SANDBOX_SERVICES=false)"}

Drop a job message:
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${e.sqs} \\
    sqs send-message --queue-url ${requestQueueUrl} \\
    --message-body '{"asg":"demo-web","count":2,"recovery":{"checkIntervalSeconds":1,"deadlineSeconds":120}}'

Ctrl-C stops everything.`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RedisServerMissingError) {
    console.error(`macaque sandbox: ${err.message}`);
  } else {
    console.error("macaque sandbox: failed to start:", err);
  }
  process.exit(1);
});
