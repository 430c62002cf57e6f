import type { Redis } from "@macaque/shared";

/**
 * The two atomic steps the producer's Redis state needs. Scripts rather than
 * GET-then-SET so two producers working on the same group cannot interleave.
 */

const GET_OR_SET = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Sets `key` to `value` with a TTL unless it is set; returns the value it holds afterwards. */
export async function getOrSet(
  redis: Redis,
  key: string,
  value: string,
  ttlMs: number,
): Promise<string> {
  return String(await redis.eval(GET_OR_SET, 1, key, value, String(Math.ceil(ttlMs))));
}

/** Deletes `key` only while it still holds `value`; true when it did. */
export async function deleteIfEqual(redis: Redis, key: string, value: string): Promise<boolean> {
  return Number(await redis.eval(DELETE_IF_EQUAL, 1, key, value)) === 1;
}
