import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { startProcess, type RunningProcess } from "./child-process.ts";
import { RedisServerMissingError } from "./errors.ts";

/** Asks the OS for a free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function assertRedisInstalled(): void {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
  } catch {
    throw new RedisServerMissingError(
      "redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; " +
        "macOS: brew install redis) or point REDIS_URL at a running Redis.",
    );
  }
}

/**
 * Starts a throwaway redis-server on a free port: no persistence, bound to
 * loopback. Retries with another port if the one it was given is taken meanwhile.
 * With `appendOnlyDir` it keeps an append-only file there (fsync on every write),
 * and with `port` it takes that port: the fault suite restarts a Redis that way.
 */
export async function startRedisServer(
  options: { port?: number; appendOnlyDir?: string } = {},
): Promise<RunningProcess<string>> {
  assertRedisInstalled();
  const persistence = options.appendOnlyDir
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", options.appendOnlyDir]
    : ["--appendonly", "no"];
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startProcess({
        name: "redis-server",
        command: "redis-server",
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          ...persistence,
          // BullMQ delayed jobs fire on Redis timers: hz 100 makes them ~10 ms late instead of ~100 ms.
          "--hz",
          "100",
        ],
        readyWhen: (line) =>
          /Ready to accept connections/.test(line) ? `redis://127.0.0.1:${port}` : undefined,
        timeoutMs: 15_000,
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
