import { Redis } from "ioredis";
import type { Logger } from "pino";

export type { Redis };

/**
 * A Redis connection for one service. By default a command fails after a few
 * reconnection attempts, so a handler whose Redis is down throws and SQS
 * redelivers the message later, instead of the handler hanging while heartbeats
 * keep the message hidden. BullMQ needs `forBullMQ: true` (it requires
 * `maxRetriesPerRequest: null` and does its own retrying).
 */
export function createRedis(
  url: string,
  connectionName: string,
  options: { forBullMQ?: boolean; logger?: Logger } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName,
    maxRetriesPerRequest: options.forBullMQ ? null : 3,
    enableReadyCheck: true,
  });
  // ioredis reconnects by itself; without a listener it prints every failed attempt to stderr.
  redis.on("error", (err) =>
    options.logger?.warn({ event: "redis.error", err }, "Redis connection error"),
  );
  return redis;
}

/** Keys are `<prefix>:<service>:<parts>`: each service keeps to its own namespace. */
export const redisKey = (prefix: string, service: string, ...parts: string[]): string =>
  [prefix, service, ...parts].join(":");

/** For /readyz: a ping waits while ioredis reconnects, and a probe needs an answer, not a wait. */
export function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<boolean> {
  return Promise.race([
    redis.ping().then(
      (pong) => pong === "PONG",
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref()),
  ]);
}
