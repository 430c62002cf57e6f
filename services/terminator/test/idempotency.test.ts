import { beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@macaque/shared";
import { createIdempotency } from "../src/idempotency.ts";
import { buildResultEvent } from "../src/result-event.ts";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { experimentContext } from "../../../test/support/experiment.ts";
import { waitFor } from "../../../test/support/wait.ts";
import { useTestRedis } from "../../../test/support/redis.ts";

const experiment = experimentContext();
const at = "2025-01-01T00:00:10.000Z";
const a = "i-00000000000000001";

const testRedis = useTestRedis("terminator-test");
let redis: Redis;
beforeAll(() => {
  redis = testRedis.redis;
});

const fresh = (claimTtlMs?: number) => {
  const keyPrefix = uniquePrefix("idem");
  return { keyPrefix, idempotency: createIdempotency({ redis, keyPrefix, claimTtlMs }) };
};

describe("idempotency record", () => {
  it("keeps the first result and hands it back to later ones", async () => {
    const { idempotency, keyPrefix } = fresh();
    const first = buildResultEvent({ experiment, outcomes: [], now: new Date(at) });
    const second = buildResultEvent({ experiment, outcomes: [], now: new Date(at) });
    expect(await idempotency.findResult("exp-1")).toBeUndefined();
    expect(await idempotency.keepResult("exp-1", first)).toEqual({ event: first, stored: true });
    expect(await idempotency.keepResult("exp-1", second)).toEqual({ event: first, stored: false });
    expect((await idempotency.findResult("exp-1"))?.id).toBe(first.id);
    expect(await redis.ttl(`${keyPrefix}:terminator:experiment:exp-1`)).toBeGreaterThan(
      6 * 24 * 3600,
    );
  });

  it("remembers terminated victims across deliveries", async () => {
    const { idempotency } = fresh();
    expect(await idempotency.loadProgress("exp-1")).toEqual([]);
    await idempotency.recordProgress("exp-1", [{ instanceId: a, outcome: "terminated", at }]);
    expect(await idempotency.loadProgress("exp-1")).toEqual([
      { instanceId: a, outcome: "terminated", at },
    ]);
  });

  it("remembers the last terminate call made for each victim", async () => {
    const { idempotency, keyPrefix } = fresh();
    const b = "i-00000000000000002";
    expect(await idempotency.loadAttempts("exp-1")).toEqual(new Map());
    await idempotency.recordAttempts("exp-1", [a, b], new Date(at));
    await idempotency.recordAttempts("exp-1", [b], new Date("2025-01-01T00:00:20.000Z"));
    expect(await idempotency.loadAttempts("exp-1")).toEqual(
      new Map([
        [a, at],
        [b, "2025-01-01T00:00:20.000Z"],
      ]),
    );
    expect(await redis.ttl(`${keyPrefix}:terminator:attempt:exp-1`)).toBeGreaterThan(6 * 24 * 3600);
  });
});

describe("claim", () => {
  it("lets one delivery work at a time and frees the claim on release", async () => {
    const { idempotency } = fresh();
    const claim = await idempotency.claim("exp-1");
    expect(claim).toBeDefined();
    expect(await idempotency.claim("exp-1")).toBeUndefined();
    await claim!.release();
    const next = await idempotency.claim("exp-1");
    expect(next).toBeDefined();
    await next!.release();
  });

  it("lets the claim of a crashed delivery expire", async () => {
    const { idempotency, keyPrefix } = fresh(300);
    // Held by a delivery that died: nobody extends or releases it.
    await redis.set(`${keyPrefix}:terminator:claim:exp-1`, "crashed-delivery", "PX", 300);
    expect(await idempotency.claim("exp-1")).toBeUndefined();
    const later = await waitFor("the crashed delivery's claim to expire", () =>
      idempotency.claim("exp-1"),
    );
    await later.release();
  });

  it("keeps a live worker's claim beyond its TTL", async () => {
    // Extended every 500 ms: lost only if the event loop stalls for a whole second,
    // which a loaded CI machine does not do (a 300 ms TTL lost it after 200 ms).
    const { idempotency, keyPrefix } = fresh(1500);
    const claimKey = `${keyPrefix}:terminator:claim:exp-1`;
    const claim = await idempotency.claim("exp-1");
    const expiresAt = async () => Number(await redis.call("PEXPIRETIME", claimKey));
    const firstExpiry = await expiresAt();
    // Once extended, it outlives the TTL it was taken with.
    await waitFor("the claim to be extended", async () =>
      (await expiresAt()) > firstExpiry ? true : undefined,
    );
    expect(await idempotency.claim("exp-1")).toBeUndefined();
    await claim!.release();
  });

  it("does not release a claim that passed to another delivery", async () => {
    const { idempotency, keyPrefix } = fresh();
    const claim = await idempotency.claim("exp-1");
    await redis.set(`${keyPrefix}:terminator:claim:exp-1`, "another-delivery");
    await claim!.release();
    expect(await redis.get(`${keyPrefix}:terminator:claim:exp-1`)).toBe("another-delivery");
  });
});
