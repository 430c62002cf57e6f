import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { ProcessStartError } from "./errors.ts";

/** Children still running, killed outright if this process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface RunningProcess<T> {
  name: string;
  child: ChildProcess;
  /** What the ready line said (e.g. the address it listens on). */
  ready: T;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once it is gone. */
  stop(graceMs?: number): Promise<number | null>;
  /** Resolves when the process exits by itself or is stopped. */
  exited: Promise<number | null>;
}

export interface StartProcessOptions<T> {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Returns a value once a stdout line shows the process is ready. */
  readyWhen: (line: string) => T | undefined;
  timeoutMs?: number;
  /**
   * Keep the child's stdin open as a pipe from this process (closed when this
   * process dies), for children that stop when it ends. Default false.
   */
  stdinPipe?: boolean;
  /** Every output line, for logs; the last lines before ready are kept for the error either way. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/**
 * Starts a child process and waits for the line that says it is ready. If it
 * exits or stays silent too long, the error (a ProcessStartError) carries the end
 * of its output: a sandbox that fails to start must say why.
 *
 * The child gets a process group of its own (detached): a terminal's Ctrl-C
 * signals the whole foreground group at once, and services whose Redis and SQS
 * die at the same moment as they do fill the screen with connection errors.
 * Only `stop()` signals a child, so whoever started it decides the order.
 */
export function startProcess<T>(options: StartProcessOptions<T>): Promise<RunningProcess<T>> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdinPipe ? "pipe" : "ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? null : 0));
    });
  });
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      void stop(1_000);
      reject(new ProcessStartError(options.name, why, [...tail]));
    };
    const timer = setTimeout(
      () => fail(`not ready after ${options.timeoutMs ?? 30_000} ms`),
      options.timeoutMs ?? 30_000,
    );
    child.once("error", (err) => fail(err.message));
    void exited.then((code) => {
      clearTimeout(timer);
      fail(`exited with code ${code}`);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (!settled) keep(line);
      options.onLine?.(line, "stderr");
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      options.onLine?.(line, "stdout");
      if (settled) return;
      keep(line);
      const value = options.readyWhen(line);
      if (value === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ name: options.name, child, ready: value, stop, exited });
    });
  });
}

/** Parses `{"event":"ready","url":...}` lines printed by the sandbox's own process entries. */
export function readyUrl(line: string): string | undefined {
  try {
    const json = JSON.parse(line) as { event?: string; url?: string };
    return json.event === "ready" ||
      json.event === "service.ready" ||
      json.event === "fleet-sim.listening" ||
      json.event === "scheduler-sim.listening"
      ? json.url
      : undefined;
  } catch {
    return undefined;
  }
}
