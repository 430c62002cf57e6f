import { randomUUID } from "node:crypto";
import type { Redis } from "./redis.ts";

/**
 * What at-most-once work in Redis stands on, written once: the producer's lease
 * on a group, the terminator's claim on an order and the notifier's on a report.
 * A claim is a key that names its owner and expires on its own, so a crashed
 * owner blocks the work for a while, never for ever. Only the owner may renew or
 * release it: once it expired it may already be someone else's, so each of
 * those is a script that checks the owner and acts in one step.
 */

// GET-then-SET in one script, so two owners racing for a free key cannot both win.
const SET_IF_ABSENT = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

const RENEW_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const ms = (ttlMs: number): string => String(Math.ceil(ttlMs));

/** Sets `key` to `value` for `ttlMs` unless it holds a value; resolves with the value it holds afterwards. */
export async function setIfAbsent(
  redis: Redis,
  key: string,
  value: string,
  ttlMs: number,
): Promise<string> {
  return String(await redis.eval(SET_IF_ABSENT, 1, key, value, ms(ttlMs)));
}

/** Gives `key` a new `ttlMs` while it still names `owner`; true when it did. */
export async function renewIfHeld(
  redis: Redis,
  key: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  return Number(await redis.eval(RENEW_IF_HELD, 1, key, owner, ms(ttlMs))) === 1;
}

/** Deletes `key` while it still names `owner`; true when it did. */
export async function releaseIfHeld(redis: Redis, key: string, owner: string): Promise<boolean> {
  return Number(await redis.eval(RELEASE_IF_HELD, 1, key, owner)) === 1;
}

export interface Claim {
  readonly key: string;
  readonly owner: string;
  /** Restarts the TTL; false when the claim had expired (and may be another's). */
  renew(): Promise<boolean>;
  /** Stops renewing and deletes the claim, unless it passed to another owner; true when it did. */
  release(): Promise<boolean>;
}

export interface ClaimOptions {
  key: string;
  /** How long the claim outlives an owner that stops renewing it. */
  ttlMs: number;
  /** Who holds it. Default: a new random token, for a claim held by one process. */
  owner?: string;
  /**
   * Renew every third of `ttlMs` until released, for work whose length is not
   * known. A failed renewal is ignored: the claim then expires, and the work must
   * be safe without it. Default false: the owner calls `renew()` itself.
   */
  keepAlive?: boolean;
}

/** Takes the claim on `key`; undefined when another owner holds it. */
export async function tryClaim(redis: Redis, options: ClaimOptions): Promise<Claim | undefined> {
  const { key, ttlMs } = options;
  const owner = options.owner ?? randomUUID();
  if ((await setIfAbsent(redis, key, owner, ttlMs)) !== owner) return undefined;
  const renew = () => renewIfHeld(redis, key, owner, ttlMs);
  const heartbeat = options.keepAlive
    ? setInterval(() => void renew().catch(() => undefined), ttlMs / 3).unref()
    : undefined;
  return {
    key,
    owner,
    renew,
    release() {
      clearInterval(heartbeat);
      return releaseIfHeld(redis, key, owner);
    },
  };
}

/**
 * Sets hash fields and the hash's TTL in one MULTI. `exec()` resolves even when
 * a command in it failed (a key of the wrong type, say), with the error beside
 * that command's reply: a record that did not happen must throw, or a
 * redelivery would repeat the step it was meant to skip.
 */
export async function recordFields(
  redis: Redis,
  key: string,
  fields: Readonly<Record<string, string>>,
  ttlSeconds: number,
): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  const replies = await redis.multi().hset(key, fields).expire(key, ttlSeconds).exec();
  if (replies === null) throw new Error(`not recorded: the transaction on ${key} was discarded`);
  const failure = replies.find(([err]) => err)?.[0];
  if (failure) throw new Error(`not recorded in ${key}: ${failure.message}`, { cause: failure });
}
