/** What the terminator's integration tests share: the process, its logs, the events it publishes, groups. */
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { createFleetSimControl, type FleetSimControl, type GroupView } from "@macaque/fleet-sim";
import {
  readyUrl,
  sourceFile,
  startProcess,
  type RunningProcess,
  type Stack,
} from "@macaque/sandbox";
import {
  openEventTap,
  sendJson,
  type AnyCloudEvent,
  type ExperimentContext,
  terminationOrderKind,
} from "@macaque/shared";
import { randomBytes } from "node:crypto";
import { sandboxClient, snsAt, sqsAt, uniquePrefix, waitFor } from "../../../test/support/aws.ts";

export interface LogLine {
  event?: string;
  msg?: string;
  [field: string]: unknown;
}

export interface Terminator {
  process: RunningProcess<string>;
  /** Every JSON line it printed so far. */
  logs: LogLine[];
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

export async function startTerminator(
  stack: Stack,
  env: Record<string, string> = {},
): Promise<Terminator> {
  const logs: LogLine[] = [];
  const process_ = await startProcess({
    name: "terminator",
    command: process.execPath,
    args: ["--conditions=source", sourceFile("services/terminator/src/main.ts")],
    env: {
      ...process.env,
      ...stack.env,
      HTTP_PORT: "0",
      REDIS_KEY_PREFIX: uniquePrefix("r"),
      // Stopping waits for the 20 s long poll at most this long.
      SHUTDOWN_TIMEOUT_MS: "1000",
      ...env,
    },
    readyWhen: readyUrl,
    onLine: (line) => {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    },
  });
  return {
    process: process_,
    logs,
    waitForLog: (what, match, timeoutMs = 15_000) =>
      waitFor(what, async () => logs.find(match), timeoutMs),
  };
}

/** A tap of our own on the events topic, read by the test. */
export async function subscribeToEvents(stack: Stack) {
  const sqs = sqsAt(stack.endpoints.sqs);
  const sns = snsAt(stack.endpoints.sns);
  const tap = await openEventTap({
    sqs,
    sns,
    topicArn: stack.topology.topics.events.arn,
    queueName: uniquePrefix("events"),
  });
  const drain = async () => void (await tap.poll(1));
  return {
    seen: tap.seen,
    /** Reads whatever arrived so far (waiting up to a second). */
    drain,
    /** Resolves once `count` events about the experiment arrived. */
    async waitForEvents(experimentId: string, count = 1): Promise<AnyCloudEvent[]> {
      return waitFor(`${count} event(s) about ${experimentId}`, async () => {
        await drain();
        const about = tap.seen.filter((e) => e.subject === experimentId);
        return about.length >= count ? about : undefined;
      });
    },
    async close() {
      await tap.close().catch(() => undefined);
      sqs.destroy();
      sns.destroy();
    },
  };
}

export function fleetOf(stack: Stack) {
  const control: FleetSimControl = createFleetSimControl(stack.endpoints.fleetSim);
  const ec2 = sandboxClient(EC2Client, stack.endpoints.ec2);
  return {
    control,
    ec2,
    /** A warm group with a unique name; its instances are InService and Healthy. */
    async createGroup(label: string, desiredCapacity: number, tags: Record<string, string> = {}) {
      const name = `${label}-${randomBytes(3).toString("hex")}`;
      const group = await control.createGroup({
        name,
        desiredCapacity,
        tags: { "macaque:enabled": "true", ...tags },
      });
      return group;
    },
    async ec2States(instanceIds: string[]): Promise<Record<string, string>> {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
      const states: Record<string, string> = {};
      for (const r of out.Reservations ?? []) {
        for (const i of r.Instances ?? []) states[i.InstanceId!] = i.State?.Name ?? "";
      }
      return states;
    },
    async calls(action: string): Promise<number> {
      return (await control.counters()).calls[action] ?? 0;
    },
    close() {
      ec2.destroy();
    },
  };
}

type Victim = ExperimentContext["victims"][number];

/** The first `count` instances of a group, as the producer snapshots its victims. */
export const victimsOf = (group: GroupView, count: number): Victim[] =>
  group.instances.slice(0, count).map((i) => ({
    instanceId: i.instanceId,
    availabilityZone: i.availabilityZone,
    lifecycleState: i.lifecycleState,
    healthStatus: i.healthStatus,
  }));

/** An experiment on a whole group whose victims are its first `count` instances. */
export const plannedExperiment = (
  group: GroupView,
  mode: ExperimentContext["mode"],
  count: number,
) =>
  experimentFor({
    asg: group.name,
    mode,
    victims: victimsOf(group, count),
    instanceIdsAtPlan: group.instances.map((i) => i.instanceId),
  });

/** An experiment as the producer would plan it. */
export function experimentFor(options: {
  asg: string;
  mode: ExperimentContext["mode"];
  victims: Victim[];
  instanceIdsAtPlan?: string[];
  dryRun?: boolean;
}): ExperimentContext {
  return {
    id: uniquePrefix("exp"),
    requestId: uniquePrefix("req"),
    asg: options.asg,
    mode: options.mode,
    dryRun: options.dryRun ?? false,
    notify: { emails: [] },
    recovery: { deadlineSeconds: 60, checkIntervalSeconds: 1, requireHealthy: true },
    seed: "seed",
    plannedAt: new Date().toISOString(),
    desiredCapacity: options.instanceIdsAtPlan?.length ?? options.victims.length,
    instanceIdsAtPlan: options.instanceIdsAtPlan ?? options.victims.map((v) => v.instanceId),
    victims: options.victims,
  };
}

export const orderFor = (experiment: ExperimentContext) => ({
  kind: terminationOrderKind,
  experiment,
  orderedAt: new Date().toISOString(),
});

export async function sendOrder(stack: Stack, body: unknown): Promise<string> {
  const sqs = sqsAt(stack.endpoints.sqs);
  try {
    return await sendJson(sqs, stack.topology.queues.terminations.url, body);
  } finally {
    sqs.destroy();
  }
}
