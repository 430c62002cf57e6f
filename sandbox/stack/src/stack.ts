import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createFleetSimControl } from "@macaque/fleet-sim";
import {
  QueueRole,
  awsClientConfig,
  ensureTopology,
  wakeDetailTypes,
  type Topology,
} from "@macaque/shared";
import { createS3Client, ensureHistoryBucket, localHistoryBucket } from "@macaque/shared/history";
import { scheduleGroupName } from "@macaque/shared/schedule";
import {
  readyUrl,
  startProcess,
  type RunningProcess,
  type StartProcessOptions,
} from "./child-process.ts";
import { PortInUseError, ProcessStartError, type StandInPort } from "./errors.ts";
import { startRedisServer } from "./redis-server.ts";

/** Files are found from the package root so this works from src/ and dist/ alike. */
const packageRoot = new URL("../", import.meta.url);
const repoRoot = new URL("../../", packageRoot);
export const sourceFile = (pathFromRepoRoot: string): string =>
  fileURLToPath(new URL(pathFromRepoRoot, repoRoot));

export interface StackOptions {
  /** Queue and topic name prefix; default `chaos`. Tests pass a unique one. */
  prefix?: string;
  /** Use this Redis instead of starting a redis-server. */
  redisUrl?: string;
  /** Fleet simulator time scale: 0.01 makes a 30 s boot take 0.3 s. Default 1. */
  timeScale?: number;
  /** Fixed ports (0 or unset picks free ones). */
  ports?: Partial<Record<StandInPort, number>>;
  /** Every output line of every child process. */
  onLine?: (process: string, line: string) => void;
  /**
   * Where fauxqs keeps S3 (the history bucket) across restarts; unset keeps it
   * in memory. `npm run sandbox` passes SANDBOX_DATA_DIR.
   */
  dataDir?: string;
}

export interface StackEndpoints {
  sqs: string;
  sns: string;
  ses: string;
  inbox: string;
  autoScaling: string;
  ec2: string;
  fleetSim: string;
  /** The EventBridge Scheduler stand-in (fires schedules onto the request queue). */
  scheduler: string;
  redis: string;
  /** fauxqs answers S3 on its SQS + SNS port. */
  s3: string;
}

export interface Stack {
  endpoints: StackEndpoints;
  prefix: string;
  region: string;
  /** The environment a macaque process needs to use this stack. */
  env: Record<string, string>;
  topology: Topology;
  /** The experiment archive's bucket (HISTORY_BUCKET of the notifier and the monitor). */
  historyBucket: string;
  /** Processes the stack started, by name. */
  processes: RunningProcess<string>[];
  /** Starts another child process that belongs to the stack and stops with it. */
  adopt<T>(process: RunningProcess<T>): void;
  stop(): Promise<void>;
}

/**
 * How the stack starts a Node entry of this repository: from its TypeScript
 * source (or, with `source: false`, a built `dist/` file that imports the other
 * packages' `dist/` as production does), with a stdin pipe whose end (this
 * process gone) stops it. A `dist/` entry gets the built preload too: one `.ts`
 * file would load Node's type stripper, ~20 MiB a process that production never
 * has, into the memory the benchmark measures.
 */
export const nodeProcess = (
  file: string,
  { source = true }: { source?: boolean } = {},
): Pick<StartProcessOptions<string>, "command" | "args" | "stdinPipe" | "readyWhen"> => ({
  command: process.execPath,
  args: [
    ...(source ? ["--conditions=source"] : []),
    "--import",
    pathToFileURL(
      sourceFile(
        `sandbox/stack/${source ? "src/exit-with-parent.ts" : "dist/exit-with-parent.js"}`,
      ),
    ).href,
    sourceFile(file),
  ],
  stdinPipe: true,
  readyWhen: readyUrl,
});
export const sandboxCredentials = { accessKeyId: "test", secretAccessKey: "test" };

/**
 * Starts the local stand-ins for AWS as child processes — fauxqs (SQS + SNS),
 * aws-ses-v2-local (SES) behind the identity front, the fleet simulator (EC2 +
 * Auto Scaling), the EventBridge Scheduler stand-in — plus a
 * redis-server unless a Redis URL is given, and provisions the topology.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const prefix = options.prefix ?? "chaos";
  const region = "us-east-1";
  const processes: RunningProcess<unknown>[] = [];
  // Adopted processes (the services) stop before the stand-ins they depend on.
  const adopted: RunningProcess<unknown>[] = [];
  const line = (name: string) => (text: string) => options.onLine?.(name, text);
  const node = (name: string, file: string, env: Record<string, string>) =>
    startProcess({
      ...nodeProcess(file),
      name,
      env: { ...process.env, ...env },
      onLine: line(name),
    });
  // A stand-in that fails on a fixed port someone else holds says so by name.
  const onPort = <T>(standIn: StandInPort, start: Promise<T>): Promise<T> =>
    start.catch((err: unknown) => {
      const port = options.ports?.[standIn] ?? 0;
      if (
        port !== 0 &&
        err instanceof ProcessStartError &&
        err.output.some((l) => l.includes("EADDRINUSE"))
      ) {
        throw new PortInUseError(standIn, port, { cause: err });
      }
      throw err;
    });
  const stopAll = async () => {
    await Promise.all(adopted.splice(0).map((p) => p.stop()));
    await Promise.all(processes.splice(0).map((p) => p.stop()));
  };

  try {
    const starts = [
      onPort(
        "fauxqs",
        node("fauxqs", "sandbox/stack/src/fauxqs-process.ts", {
          FAUXQS_PORT: String(options.ports?.fauxqs ?? 0),
          ...(options.dataDir && { FAUXQS_S3_DIR: options.dataDir }),
        }),
      ).then(track),
      // aws-ses-v2-local sends and shows mail; the front before it answers the
      // identity actions it lacks (VerifyEmailIdentity, ListIdentities, ...).
      onPort(
        "inbox",
        node("ses", "sandbox/stack/src/ses-process.ts", {
          SES_PORT: String(options.ports?.inbox ?? 0),
        }),
      )
        .then(track)
        .then(async (inbox) => {
          const front = await onPort(
            "ses",
            node("ses-front", "sandbox/ses-front/src/main.ts", {
              SES_FRONT_PORT: String(options.ports?.ses ?? 0),
              SES_UPSTREAM_URL: inbox.ready,
            }),
          ).then(track);
          return { front, inbox };
        }),
      onPort(
        "fleetSim",
        node("fleet-sim", "sandbox/fleet-sim/src/main.ts", {
          FLEET_SIM_PORT: String(options.ports?.fleetSim ?? 0),
          FLEET_SIM_TIME_SCALE: String(options.timeScale ?? 1),
        }),
      ).then(track),
      options.redisUrl ? Promise.resolve(undefined) : startRedisServer().then(track),
    ] as const;
    const scheduler = starts[0].then((fauxqs) =>
      onPort(
        "scheduler",
        node("scheduler-sim", "sandbox/scheduler-sim/src/main.ts", {
          SCHEDULER_SIM_PORT: String(options.ports?.scheduler ?? 0),
          SCHEDULER_SIM_TIME_SCALE: String(options.timeScale ?? 1),
          SCHEDULER_SIM_GROUPS: scheduleGroupName(prefix),
          AWS_REGION: region,
          AWS_ENDPOINT_URL_SQS: fauxqs.ready,
          AWS_ACCESS_KEY_ID: sandboxCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: sandboxCredentials.secretAccessKey,
        }),
      ).then(track),
    );
    // Every start settles (and its process is tracked) before a failure is
    // thrown, so the catch below can stop whatever did start.
    await Promise.allSettled([...starts, scheduler]);
    const [fauxqs, ses, fleetSim, redis] = await Promise.all(starts);
    const schedulerSim = await scheduler;
    const endpoints: StackEndpoints = {
      sqs: fauxqs!.ready,
      sns: fauxqs!.ready,
      ses: ses!.front.ready,
      inbox: ses!.inbox.ready,
      autoScaling: fleetSim!.ready,
      ec2: fleetSim!.ready,
      fleetSim: fleetSim!.ready,
      scheduler: schedulerSim.ready,
      redis: options.redisUrl ?? redis!.ready,
      s3: fauxqs!.ready,
    };
    const clientConfig = {
      ...awsClientConfig({ region }),
      endpoint: endpoints.sqs,
      credentials: sandboxCredentials,
    };
    const sqs = new SQSClient(clientConfig);
    const sns = new SNSClient(clientConfig);
    const { topology } = await ensureTopology({ sqs, sns, prefix });
    sqs.destroy();
    sns.destroy();
    // What the EventBridge rule on the default bus does in AWS: Auto Scaling's
    // launch and termination events go to the fleet-events queue.
    await createFleetSimControl(endpoints.fleetSim).setEventTarget({
      queueUrl: topology.queues[QueueRole.fleetEvents].url,
      sqsEndpoint: endpoints.sqs,
      detailTypes: [...wakeDetailTypes],
    });
    const historyBucket = localHistoryBucket(prefix);
    const s3 = createS3Client({ region, endpoint: endpoints.s3, credentials: sandboxCredentials });
    await ensureHistoryBucket(s3, historyBucket);
    s3.destroy();
    return {
      endpoints,
      prefix,
      region,
      env: { ...stackEnv(endpoints, prefix, region), HISTORY_BUCKET: historyBucket },
      topology,
      historyBucket,
      processes: processes as RunningProcess<string>[],
      adopt: (p) => void adopted.push(p),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }

  function track<T>(p: RunningProcess<T>): RunningProcess<T> {
    processes.push(p);
    return p;
  }
}

/** The SDK's own endpoint variables, sandbox credentials and macaque's names. */
function stackEnv(
  endpoints: StackEndpoints,
  prefix: string,
  region: string,
): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: sandboxCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandboxCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_AUTO_SCALING: endpoints.autoScaling,
    // The fleet simulator answers Elastic Load Balancing v2 on the same port.
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: endpoints.autoScaling,
    AWS_ENDPOINT_URL_EC2: endpoints.ec2,
    // And CloudWatch's DescribeAlarms (alarms set through its control API).
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.autoScaling,
    // And SSM Parameter Store (the kill switch and the aborts).
    AWS_ENDPOINT_URL_SSM: endpoints.fleetSim,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler,
    REDIS_URL: endpoints.redis,
    MACAQUE_NAME_PREFIX: prefix,
    MIN_MINUTES_BETWEEN_EXPERIMENTS: "0",
    // The fleet simulator feeds the fleet-events queue (above): the monitor wakes on it.
    DETECTION_MODE: "events",
  };
}

/** Starts fauxqs alone (SQS + SNS as a child process), for tests that need nothing else. */
export function startFauxqs(): Promise<RunningProcess<string>> {
  return startProcess({
    ...nodeProcess("sandbox/stack/src/fauxqs-process.ts"),
    name: "fauxqs",
    env: { ...process.env, FAUXQS_PORT: "0" },
  });
}
