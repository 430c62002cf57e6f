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

/** NODE_OPTIONS of the services in the image (the Dockerfile's runtime stage). */
export const productionNodeOptions = "--max-semi-space-size=1";

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
      // The production build runs with the image's Node options (Dockerfile).
      ...(options.build === "dist" && { NODE_OPTIONS: productionNodeOptions }),
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
