/**
 * A redis-server of the test file's own on a free port, and a client on it,
 * both stopped after the file: runs never share keys or a server. Call it at
 * the top level of a test file; read `redis` inside tests and hooks.
 */
import { afterAll, beforeAll } from "vitest";
import { createRedis, type Redis } from "@macaque/shared";
import { startRedisServer, type RunningProcess } from "@macaque/sandbox";

export interface TestRedis {
  /** The client (available once the file's beforeAll has run). */
  readonly redis: Redis;
  /** The server's redis:// URL. */
  readonly url: string;
}

export function useTestRedis(
  clientName: string,
  options?: Parameters<typeof createRedis>[2],
): TestRedis {
  let server: RunningProcess<string> | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    client = createRedis(server.ready, clientName, options);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useTestRedis: read before the file's beforeAll ran");
    return value;
  };
  return {
    get redis() {
      return started(client);
    },
    get url() {
      return started(server).ready;
    },
  };
}
