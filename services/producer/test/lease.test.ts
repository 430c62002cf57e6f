import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { Redis } from "@macaque/shared";
import { useTestRedis } from "../../../test/support/redis.ts";
import { waitUntil } from "../../../test/support/wait.ts";
import { createLeaseStore, type LeaseStore } from "../src/lease.ts";

const testRedis = useTestRedis("lease-test");
let redis: Redis;
let leases: LeaseStore;
let prefix: string;

beforeAll(() => {
  redis = testRedis.redis;
  prefix = `t-${randomBytes(4).toString("hex")}`;
  leases = createLeaseStore(redis, prefix);
});

describe("lease store", () => {
  it("gives a free group to the first experiment and names it to the next", async () => {
    expect(await leases.holder("g1")).toBeUndefined();
    expect(await leases.acquire("g1", "exp-a", 60_000)).toBe("exp-a");
    expect(await leases.acquire("g1", "exp-b", 60_000)).toBe("exp-a");
    expect(await leases.holder("g1")).toBe("exp-a");
    expect(await redis.get(`${prefix}:producer:lease:g1`)).toBe("exp-a");
  });

  it("lets the holder take its own lease again (a redelivered request)", async () => {
    await leases.acquire("g2", "exp-a", 60_000);
    expect(await leases.acquire("g2", "exp-a", 60_000)).toBe("exp-a");
  });

  it("releases only for the experiment that holds it", async () => {
    await leases.acquire("g3", "exp-a", 60_000);
    expect(await leases.release("g3", "exp-old")).toBe(false);
    expect(await leases.holder("g3")).toBe("exp-a");
    expect(await leases.release("g3", "exp-a")).toBe(true);
    expect(await leases.acquire("g3", "exp-b", 60_000)).toBe("exp-b");
  });

  it("expires on its own", async () => {
    await leases.acquire("g4", "exp-a", 50);
    expect(await redis.pttl(`${prefix}:producer:lease:g4`)).toBeGreaterThan(0);
    await waitUntil("the lease to expire", async () => (await leases.holder("g4")) === undefined);
    expect(await leases.acquire("g4", "exp-b", 60_000)).toBe("exp-b");
  });
});
