/**
 * `npm run demo`: starts the sandbox and the four services, asks macaque to
 * terminate 2 of demo-web's 4 instances, follows the experiment's events, prints
 * the report and exits 0 when the group recovered (1 when it did not, 2 when the
 * request was refused or nothing could be terminated, 3 when the stack itself failed,
 * 130 when interrupted).
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import {
  EventType,
  awsClientConfig,
  experimentAttribute,
  experimentIdFor,
  openEventTap,
  sendJson,
  type AnyCloudEvent,
  type JobMessageInput,
} from "@macaque/shared";
import { seedDemoFleet } from "./demo-fleet.ts";
import { describeEvent } from "./describe-event.ts";
import { readInbox } from "./inbox.ts";
import { startServices } from "./services.ts";
import { sandboxCredentials, startStack, type Stack } from "./stack.ts";

const keep = process.argv.includes("--keep");
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const say = (text: string) => console.log(`${elapsed()}  ${text}`);

/** The fleet simulator runs 20 times faster than a real group: a 30 s boot takes 1.5 s. */
const timeScale = 0.05;
/** Exit code when interrupted (as the CLI's). */
const interruptedCode = 130;

// The stack's children do not see a terminal's Ctrl-C (process groups of their
// own): the demo stops them itself. `on`, not `once`: under npm one Ctrl-C
// arrives twice (from the terminal, and forwarded by npm).
let interrupted = false;
const signalled = new Promise<void>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      interrupted = true;
      resolve();
    });
  }
});

async function main(): Promise<number> {
  say(
    `starting the sandbox: fauxqs, aws-ses-v2-local, Redis, and the fleet simulator at time scale ${timeScale} (${1 / timeScale}x faster than a real group: a 30 s boot takes ${30 * timeScale} s)`,
  );
  const stack = await startStack({
    prefix: `demo-${randomBytes(3).toString("hex")}`,
    timeScale,
  });
  try {
    // Interrupted while starting: stop once everything that was starting is up,
    // so the services still stop before the stand-ins.
    if (interrupted) return interruptedCode;
    await seedDemoFleet(stack.endpoints.fleetSim);
    say("starting producer, terminator, recovery-monitor and notifier as separate processes");
    await startServices(stack);
    if (interrupted) return interruptedCode;
    const code = await Promise.race([runExperiment(stack), signalled.then(() => interruptedCode)]);
    if (keep && code !== interruptedCode) {
      console.log(
        `\nThe sandbox keeps running (--keep); inbox: ${stack.endpoints.inbox}. Ctrl-C stops it.`,
      );
      await signalled;
    }
    return code;
  } finally {
    if (interrupted) say("interrupted: stopping the services, then the stand-ins");
    await stack.stop();
  }
}

async function runExperiment(stack: Stack): Promise<number> {
  const config = {
    ...awsClientConfig({ region: stack.region }),
    endpoint: stack.endpoints.sqs,
    credentials: sandboxCredentials,
  };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const requestId = `demo-${randomBytes(6).toString("hex")}`;
  const experimentId = experimentIdFor(requestId);
  const tap = await openEventTap({
    sqs,
    sns,
    topicArn: stack.topology.topics.events.arn,
    queueName: `${stack.prefix}-watch-${experimentId}`,
    filterPolicy: { [experimentAttribute]: [experimentId] },
  });
  try {
    const job: JobMessageInput = {
      asg: "demo-web",
      count: 2,
      requestId,
      requestedBy: "npm run demo",
      recovery: { checkIntervalSeconds: 0.5, deadlineSeconds: 60, targetSeconds: 30 },
      notify: { emails: ["sre@example.com"] },
    };
    say(
      `sending the job message to ${stack.topology.queues.requests.name}: ${JSON.stringify(job)}`,
    );
    await sendJson(sqs, stack.topology.queues.requests.url, job);
    const end = await tap.waitFor((event) => {
      say(describeEvent(event, { timeScale }));
      return event.type === EventType.reportSent;
    }, 90_000);
    const outcome = tap.seen.find(isFinal);
    const emails = await readInbox(stack.endpoints.inbox);
    const email = emails.find(
      (e) => e.subject === (end.type === EventType.reportSent ? end.data.subject : ""),
    );
    if (email) {
      console.log(
        `\n──── the report, as emailed to ${email.to} (its times are the simulator's, at time scale ${timeScale}) ────\n${email.text}`,
      );
    }
    console.log(
      `The email is in the SES web inbox at ${stack.endpoints.inbox} while the sandbox runs (npm run demo -- --keep).`,
    );
    if (outcome?.type === EventType.recoveryCompleted) {
      return outcome.data.outcome === "recovered" ? 0 : 1;
    }
    // Refused, or nothing could be terminated: the experiment never ran (as the CLI's 2).
    return 2;
  } finally {
    await tap.close();
    sqs.destroy();
    sns.destroy();
  }
}

function isFinal(event: AnyCloudEvent): boolean {
  return (
    event.type === EventType.recoveryCompleted ||
    event.type === EventType.experimentRejected ||
    event.type === EventType.terminationFailed
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error("demo failed:", err);
    process.exit(3);
  },
);
