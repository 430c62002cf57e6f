/**
 * A service under test: one of the four services as its own process against a
 * sandbox stack (the sandbox's `startService`, so the environment is the one
 * production-like runs get), with its log lines kept and its /metrics readable.
 */
import { serviceNames, type ServiceName } from "@macaque/shared";
import { startService, startServices, type RunningProcess, type Stack } from "@macaque/sandbox";

/** One JSON log line as pino prints it. */
export interface LogLine {
  event?: string;
  msg?: string;
  experimentId?: string;
  [field: string]: unknown;
}

export interface TestService {
  name: ServiceName;
  process: RunningProcess<string>;
  /** Base URL of its ops server (/readyz, /metrics). */
  url: string;
  /** Every JSON line it printed so far, in order. */
  readonly logs: readonly LogLine[];
  /** Log lines with this `event` (and, if given, this `experimentId`). */
  logged(event: string, experimentId?: string): LogLine[];
  /**
   * Resolves once `count` (default 1) lines with this `event` (and `experimentId`)
   * were printed, with those lines; rejects after `timeoutMs` (default 15000).
   */
  waitForLog(
    event: string,
    experimentId?: string,
    options?: { count?: number; timeoutMs?: number },
  ): Promise<LogLine[]>;
  /** Resolves with the first line, printed or to come, that matches; rejects after `timeoutMs` naming `what`. */
  waitForLine(
    what: string,
    match: (line: LogLine) => boolean,
    timeoutMs?: number,
  ): Promise<LogLine>;
  /** Sum of a counter or gauge on its /metrics over the series whose labels contain every `labels` part, e.g. `outcome="done"`. */
  metric(name: string, ...labels: string[]): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, a crash with no chance to clean up; resolves once it is gone. */
  kill(): Promise<void>;
}

export interface TestServiceOptions {
  /** Extra environment (overrides the sandbox's, e.g. `REDIS_KEY_PREFIX`, `LOG_LEVEL`). */
  env?: Record<string, string>;
  /** Sender of report emails (the notifier). */
  senderEmail?: string;
  /** Also print its lines to the console; default when `SERVICE_LOGS=1` is set. */
  echo?: boolean;
  /** Run the production build (`dist/`, after `npm run build`) instead of the source. */
  build?: "source" | "dist";
}

/** Starts one service as its own process. Stop it yourself, or with `stack.adopt(service.process)`. */
export async function startTestService(
  stack: Stack,
  name: ServiceName,
  options: TestServiceOptions = {},
): Promise<TestService> {
  const logs = createLogBook();
  const process_ = await startService(stack, name, {
    ...serviceOptions(options),
    onLine: (_name, line) => logs.keep(line, options),
  }).catch((err: unknown) => {
    // The error carries stderr; what the service logged before it gave up is on stdout.
    const tail = logs.lines.slice(-20).map((l) => JSON.stringify(l));
    throw new Error([String(err), ...tail].join("\n"), { cause: err });
  });
  return testService(name, process_, logs);
}

/** Starts the four services; they stop with the stack. */
export async function startTestServices(
  stack: Stack,
  options: TestServiceOptions = {},
): Promise<Record<ServiceName, TestService>> {
  const logs = Object.fromEntries(serviceNames.map((n) => [n, createLogBook()])) as Record<
    ServiceName,
    LogBook
  >;
  const started = await startServices(stack, {
    ...serviceOptions(options),
    onLine: (name, line) => logs[name as ServiceName].keep(line, options),
  });
  return Object.fromEntries(
    serviceNames.map((n) => [n, testService(n, started[n], logs[n])]),
  ) as Record<ServiceName, TestService>;
}

/** Sum of a counter or gauge at `url`/metrics over the series whose line contains every `labels` part. */
export async function readMetric(url: string, name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) &&
        labels.every((part) => line.includes(part)),
    )
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

function serviceOptions(options: TestServiceOptions) {
  return {
    ...(options.env ? { env: options.env } : {}),
    ...(options.senderEmail ? { senderEmail: options.senderEmail } : {}),
    ...(options.build ? { build: options.build } : {}),
  };
}

/** A process's parsed log lines, and the waits woken by each new one. */
interface LogBook {
  lines: LogLine[];
  keep(line: string, options: TestServiceOptions): void;
  /** Resolves with `found()` once it returns something, checked at once and after each line. */
  until<T>(what: string, found: () => T | undefined, timeoutMs: number): Promise<T>;
}

function createLogBook(): LogBook {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  return {
    lines,
    keep(line, options) {
      if (options.echo ?? process.env.SERVICE_LOGS === "1") console.log(line);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        return; // not a log line (a stack trace, say): it is still echoed above
      }
      for (const wake of waiters) wake();
    },
    until: (what, found, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const value = found();
          if (value === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(value);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

function testService(
  name: ServiceName,
  process_: RunningProcess<string>,
  logs: LogBook,
): TestService {
  const logged = (event: string, experimentId?: string) =>
    logs.lines.filter(
      (l) => l.event === event && (experimentId === undefined || l.experimentId === experimentId),
    );
  return {
    name,
    process: process_,
    url: process_.ready,
    logs: logs.lines,
    logged,
    waitForLog: (event, experimentId, options = {}) => {
      const count = options.count ?? 1;
      const about = experimentId ? ` for ${experimentId}` : "";
      return logs.until(
        `${count} ${event} log line(s) from the ${name}${about}`,
        () => {
          const found = logged(event, experimentId);
          return found.length >= count ? found : undefined;
        },
        options.timeoutMs ?? 15_000,
      );
    },
    waitForLine: (what, match, timeoutMs = 15_000) =>
      logs.until(what, () => logs.lines.find(match), timeoutMs),
    metric: (metricName, ...labels) => readMetric(process_.ready, metricName, ...labels),
    stop: (graceMs) => process_.stop(graceMs),
    kill: async () => {
      process_.child.kill("SIGKILL");
      await process_.exited;
    },
  };
}
