import { beforeAll, describe, expect, it } from "vitest";
import {
  recordFields,
  releaseIfHeld,
  renewIfHeld,
  setIfAbsent,
  tryClaim,
  type Redis,
} from "@macaque/shared";
import { uniquePrefix, waitFor } from "../../test/support/aws.ts";
import { useTestRedis } from "../../test/support/redis.ts";

const testRedis = useTestRedis("redis-claim-test");
let redis: Redis;
beforeAll(() => {
  redis = testRedis.redis;
});

const freshKey = () => uniquePrefix("claim");

describe("setIfAbsent", () => {
  it("sets a free key with its TTL and hands the first value to later callers", async () => {
    const key = freshKey();
    expect(await setIfAbsent(redis, key, "a", 60_000)).toBe("a");
    expect(await setIfAbsent(redis, key, "b", 120_000)).toBe("a");
    expect(await redis.get(key)).toBe("a");
    // The loser does not touch the TTL either.
    expect(await redis.pttl(key)).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(key)).toBeGreaterThan(50_000);
  });
});

describe("renewIfHeld and releaseIfHeld", () => {
  it("act only for the owner the key names", async () => {
    const key = freshKey();
    await setIfAbsent(redis, key, "owner", 1_000);
    expect(await renewIfHeld(redis, key, "someone-else", 60_000)).toBe(false);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(1_000);
    expect(await renewIfHeld(redis, key, "owner", 60_000)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(1_000);
    expect(await releaseIfHeld(redis, key, "someone-else")).toBe(false);
    expect(await redis.get(key)).toBe("owner");
    expect(await releaseIfHeld(redis, key, "owner")).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });

  it("do not bring back a key that expired", async () => {
    const key = freshKey();
    expect(await renewIfHeld(redis, key, "owner", 60_000)).toBe(false);
    expect(await releaseIfHeld(redis, key, "owner")).toBe(false);
    expect(await redis.exists(key)).toBe(0);
  });
});

describe("tryClaim", () => {
  it("lets one owner hold a key at a time and frees it on release", async () => {
    const key = freshKey();
    const first = await tryClaim(redis, { key, ttlMs: 30_000 });
    expect(first).toBeDefined();
    expect(await redis.get(key)).toBe(first!.owner);
    expect(await tryClaim(redis, { key, ttlMs: 30_000 })).toBeUndefined();
    expect(await first!.release()).toBe(true);
    const next = await tryClaim(redis, { key, ttlMs: 30_000 });
    expect(next?.owner).not.toBe(first!.owner);
    await next!.release();
  });

  it("gives an owner its own claim again when it names itself", async () => {
    const key = freshKey();
    await tryClaim(redis, { key, ttlMs: 30_000, owner: "exp-a" });
    expect(await tryClaim(redis, { key, ttlMs: 30_000, owner: "exp-a" })).toBeDefined();
    expect(await tryClaim(redis, { key, ttlMs: 30_000, owner: "exp-b" })).toBeUndefined();
  });

  it("says so when a renewal finds the claim gone, and leaves a successor's claim alone", async () => {
    const key = freshKey();
    const claim = await tryClaim(redis, { key, ttlMs: 30_000 });
    // Expired, then taken by another owner.
    await redis.set(key, "successor");
    expect(await claim!.renew()).toBe(false);
    expect(await claim!.release()).toBe(false);
    expect(await redis.get(key)).toBe("successor");
  });

  it("with keepAlive, pushes the expiry on before the TTL runs out, until released", async () => {
    const key = freshKey();
    // Renewed every 500 ms: lost only if the event loop stalls for a whole second.
    const claim = await tryClaim(redis, { key, ttlMs: 1_500, keepAlive: true });
    const firstExpiry = Number(await redis.call("PEXPIRETIME", key));
    await waitFor("the claim to be renewed", async () =>
      Number(await redis.call("PEXPIRETIME", key)) > firstExpiry ? true : undefined,
    );
    expect(await claim!.release()).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });
});

describe("recordFields", () => {
  it("sets the fields and the hash's TTL", async () => {
    const key = freshKey();
    await recordFields(redis, key, { a: "1" }, 3_600);
    await recordFields(redis, key, { b: "2" }, 3_600);
    expect(await redis.hgetall(key)).toEqual({ a: "1", b: "2" });
    expect(await redis.ttl(key)).toBeGreaterThan(3_500);
  });

  it("throws when one command of the MULTI fails, though the others succeed", async () => {
    const key = freshKey();
    await redis.set(key, "not a hash");
    // HSET fails with WRONGTYPE while EXPIRE succeeds: exec() itself resolves.
    await expect(recordFields(redis, key, { a: "1" }, 3_600)).rejects.toThrow(
      `not recorded in ${key}: WRONGTYPE`,
    );
  });

  it("writes nothing for no fields", async () => {
    const key = freshKey();
    await recordFields(redis, key, {}, 3_600);
    expect(await redis.exists(key)).toBe(0);
  });
});
