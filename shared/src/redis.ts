import { Redis } from "ioredis";

export type { Redis };

/**
 * A Redis connection for one service. `maxRetriesPerRequest: null` is what BullMQ
 * requires of its connections; the other services get the same so a Redis blip
 * delays work instead of failing it (the SQS message is redelivered if it does fail).
 */
export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    connectionName,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/** Keys are `<prefix>:<service>:<parts>`: each service keeps to its own namespace. */
export const redisKey = (prefix: string, service: string, ...parts: string[]): string =>
  [prefix, service, ...parts].join(":");
