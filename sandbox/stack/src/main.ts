/**
 * `npm run sandbox`: the whole of macaque on one machine, no Docker, no AWS
 * account. Starts the stand-ins, provisions the topology, seeds the demo fleet,
 * starts the four services and waits for Ctrl-C; then stops the services first
 * (they drain against a Redis and SQS that are still there), then the stand-ins.
 */
import { resolve } from "node:path";
import { z } from "zod";
import {
  ConfigError,
  defaultNamePrefix,
  emailAddressSchema,
  envCheckIntervalSeconds,
  envList,
  parseEnv,
  recoveryDefaults,
} from "@macaque/shared";
import { watchDeadLetters } from "./dead-letter-watch.ts";
import { seedDemoFleet } from "./demo-fleet.ts";
import { PortInUseError, RedisServerMissingError, type StandInPort } from "./errors.ts";
import { startServices } from "./services.ts";
import { startStack, type Stack } from "./stack.ts";

/** Exit code when the stack could not start (as `npm run demo`'s 3). */
const stackFailed = 3;

/** Who gets every report unless DEFAULT_RECIPIENTS says otherwise: the SES web inbox shows it. */
const sandboxRecipient = "sre@example.com";

const port = (fallback: number) =>
  z.coerce
    .number({ error: "must be a port number" })
    .int("must be a port number")
    .min(0, "must be 0-65535")
    .max(65_535, "must be 0-65535")
    .default(fallback);

/** The variable that moves each stand-in's port, and what listens there. */
const portVariables = {
  fauxqs: { variable: "SANDBOX_SQS_PORT", what: "SQS + SNS, fauxqs" },
  ses: { variable: "SANDBOX_SES_PORT", what: "SES" },
  inbox: { variable: "SANDBOX_INBOX_PORT", what: "the SES web inbox" },
  fleetSim: { variable: "SANDBOX_FLEET_SIM_PORT", what: "the EC2 + Auto Scaling simulator" },
  scheduler: { variable: "SANDBOX_SCHEDULER_PORT", what: "the EventBridge Scheduler stand-in" },
} as const satisfies Record<StandInPort, { variable: string; what: string }>;

const envSchema = z.object({
  SANDBOX_SQS_PORT: port(4566),
  SANDBOX_SES_PORT: port(8005),
  SANDBOX_INBOX_PORT: port(8006),
  SANDBOX_FLEET_SIM_PORT: port(4599),
  SANDBOX_SCHEDULER_PORT: port(4600),
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
  /**
   * Where the sandbox keeps what must survive a restart (the history bucket, under
   * `s3/`); `off` keeps everything in memory. Relative to the working directory.
   */
  SANDBOX_DATA_DIR: z.string().min(1).default(".sandbox/data"),
  /** Passed to the notifier. */
  DEFAULT_RECIPIENTS: envList(emailAddressSchema).default([sandboxRecipient]),
  /** Passed to the producer; unset, the job message's 10 s at the simulator's time scale. */
  DEFAULT_CHECK_INTERVAL_SECONDS: envCheckIntervalSeconds.optional(),
});

const stopLines = /"event":"service\.(stopping|stopped)"/;

let stack: Stack | undefined;
/** Set once every process is up: from then on a signal stops them at once. */
let up = false;
let signalled: string | undefined;

/** Stops every process, services first, and exits. */
async function stop(signal: string): Promise<never> {
  console.log(`\nmacaque sandbox: ${signal}, stopping the services, then the stand-ins ...`);
  await stack?.stop();
  console.log("macaque sandbox: stopped");
  process.exit(0);
}

// The children have process groups of their own (a terminal's Ctrl-C reaches
// only this process), so every way of ending the sandbox goes through stop().
// SIGHUP: the terminal closed.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    // Once is enough: under npm one Ctrl-C arrives twice (from the terminal, and
    // forwarded by npm), and a stop gives up on a service after 10 s by itself.
    if (signalled) return;
    signalled = signal;
    // While processes are starting, main() stops them once they are up, so the
    // services still stop before the stand-ins.
    if (up) void stop(signal);
  });
}

async function main(): Promise<void> {
  const env = parseEnv(envSchema, process.env);
  const checkIntervalSeconds =
    env.DEFAULT_CHECK_INTERVAL_SECONDS ??
    // On the grid of 0.1 s the job message allows: 10 x 0.3 is 3.0000000000000004.
    Math.max(
      0.1,
      Math.round(recoveryDefaults.checkIntervalSeconds * env.SANDBOX_TIME_SCALE * 10) / 10,
    );
  console.log(
    "macaque sandbox: starting fauxqs, aws-ses-v2-local, the fleet simulator and Redis ...",
  );
  stack = await startStack({
    prefix: env.MACAQUE_NAME_PREFIX,
    redisUrl: env.REDIS_URL,
    timeScale: env.SANDBOX_TIME_SCALE,
    ...(env.SANDBOX_DATA_DIR !== "off" && { dataDir: resolve(env.SANDBOX_DATA_DIR, "s3") }),
    ports: {
      fauxqs: env.SANDBOX_SQS_PORT,
      ses: env.SANDBOX_SES_PORT,
      inbox: env.SANDBOX_INBOX_PORT,
      fleetSim: env.SANDBOX_FLEET_SIM_PORT,
      scheduler: env.SANDBOX_SCHEDULER_PORT,
    },
  });
  if (signalled) return stop(signalled);

  let groups: string[];
  try {
    groups = await seedDemoFleet(stack.endpoints.fleetSim);
    if (env.SANDBOX_SERVICES === "true") {
      await startServices(stack, {
        env: {
          DEFAULT_RECIPIENTS: env.DEFAULT_RECIPIENTS.join(","),
          DEFAULT_CHECK_INTERVAL_SECONDS: String(checkIntervalSeconds),
        },
        onLine: (service, line) => {
          // The sandbox says itself that it stops every service, and when they are gone.
          if (!stopLines.test(line)) process.stdout.write(`[${service}] ${line}\n`);
        },
      });
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  if (signalled) return stop(signalled);
  up = true;
  watchDeadLetters(stack, (line) => console.log(line));
  const e = stack.endpoints;
  // fauxqs names queues on sqs.<region>.localhost, which not every resolver knows;
  // it routes by path, so the same queue is reachable on the address it listens on.
  const requestQueueUrl = `${e.sqs}${new URL(stack.topology.queues.requests.url).pathname}`;
  const recipients = env.DEFAULT_RECIPIENTS.join(", ") || "none";
  console.log(`
macaque sandbox is ready (time scale ${env.SANDBOX_TIME_SCALE}: a 30 s boot takes ${30 * env.SANDBOX_TIME_SCALE} s)

  SQS + SNS + S3 (fauxqs)   ${e.sqs}
  history bucket            ${stack.historyBucket} (${env.SANDBOX_DATA_DIR === "off" ? "in memory: SANDBOX_DATA_DIR=off" : `kept in ${resolve(env.SANDBOX_DATA_DIR)} (SANDBOX_DATA_DIR)`})
  SES                       ${e.ses}
  SES web inbox             ${e.inbox}
  EC2 + Auto Scaling + ELB  ${e.fleetSim}   control: ${e.fleetSim}/_sim/
  CloudWatch alarms         ${e.fleetSim}   control: ${e.fleetSim}/_sim/alarms
  SSM Parameter Store       ${e.fleetSim}   (the kill switch: macaque halt / resume / status)
  EventBridge Scheduler     ${e.scheduler}   control: ${e.scheduler}/_sim/
  Redis                     ${e.redis}
  request queue             ${requestQueueUrl}
  events topic              ${stack.topology.topics.events.arn}
  demo groups               ${groups.join(", ")}
  services                  ${env.SANDBOX_SERVICES === "true" ? "producer, terminator, recovery-monitor, notifier" : "not started (SANDBOX_SERVICES=false)"}
  reports e-mailed to       ${recipients} (DEFAULT_RECIPIENTS), shown in the web inbox
  default check interval    ${checkIntervalSeconds} s (DEFAULT_CHECK_INTERVAL_SECONDS)

Drop a job message:
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${e.sqs} \\
    sqs send-message --queue-url ${requestQueueUrl} \\
    --message-body '{"asg":"demo-web","count":2}'

Ctrl-C stops everything.`);
}

main().catch((err: unknown) => {
  if (err instanceof PortInUseError) {
    const { variable, what } = portVariables[err.standIn];
    console.error(
      `macaque sandbox: port ${err.port} (${what}) is already in use; set ${variable} to another port, or to 0 to pick a free one`,
    );
    process.exit(stackFailed);
  }
  if (err instanceof ConfigError) {
    console.error(`macaque sandbox: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof RedisServerMissingError) {
    console.error(`macaque sandbox: ${err.message}`);
  } else {
    console.error("macaque sandbox: failed to start:", err);
  }
  process.exit(stackFailed);
});
