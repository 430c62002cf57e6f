import { serviceNames, type ServiceName } from "@macaque/shared";
import { startProcess, type RunningProcess } from "./child-process.ts";
import { nodeProcess, type Stack } from "./stack.ts";

export interface ServiceOptions {
  /** Extra environment for every service (e.g. guardrail limits, LOG_LEVEL). */
  env?: Record<string, string>;
  /** Sender of report emails; default `macaque@example.com`. */
  senderEmail?: string;
  onLine?: (service: string, line: string) => void;
  /**
   * Run the production build (`services/<name>/dist/main.js`, after `tsc -b`)
   * instead of the TypeScript source; the benchmark measures memory and CPU so.
   */
  build?: "source" | "dist";
}

/**
 * The memory settings of the services in the image (the Dockerfile's runtime
 * stage, where the comment says why): a 1 MB young generation, a 256 MB old one
 * (without a limit V8 sizes the heap from the host's memory and lets it grow to
 * about three times what survives a full collection), and two malloc arenas.
 */
export const productionEnv = {
  NODE_OPTIONS: "--max-semi-space-size=1 --max-old-space-size=256",
  MALLOC_ARENA_MAX: "2",
} as const;

/** Environment of one service process running against the stack. */
function serviceEnv(stack: Stack, options: ServiceOptions = {}): Record<string, string> {
  return {
    ...stack.env,
    HTTP_PORT: "0",
    HTTP_HOST: "127.0.0.1",
    REDIS_KEY_PREFIX: `${stack.prefix}:macaque`,
    SENDER_EMAIL: options.senderEmail ?? "macaque@example.com",
    // Short polls: a local service stops (and restarts) within a second.
    SQS_WAIT_TIME_SECONDS: "1",
    ...options.env,
  };
}

/** Starts one service as its own process, as in production. */
export function startService(
  stack: Stack,
  name: ServiceName,
  options: ServiceOptions = {},
): Promise<RunningProcess<string>> {
  return startProcess({
    ...(options.build === "dist"
      ? nodeProcess(`services/${name}/dist/main.js`, { source: false })
      : nodeProcess(`services/${name}/src/main.ts`)),
    name,
    env: {
      ...process.env,
      // The production build runs with the image's memory settings (Dockerfile).
      ...(options.build === "dist" && productionEnv),
      ...serviceEnv(stack, options),
    },
    onLine: (line) => options.onLine?.(name, line),
  });
}

/** Starts the four services; they stop with the stack. */
export async function startServices(
  stack: Stack,
  options: ServiceOptions = {},
): Promise<Record<ServiceName, RunningProcess<string>>> {
  const starts = serviceNames.map((name) => startService(stack, name, options));
  // Adopt every service that did start, so the stack stops it even if another failed.
  for (const result of await Promise.allSettled(starts)) {
    if (result.status === "fulfilled") stack.adopt(result.value);
  }
  const started = await Promise.all(starts);
  return Object.fromEntries(serviceNames.map((n, i) => [n, started[i]!])) as Record<
    ServiceName,
    RunningProcess<string>
  >;
}
