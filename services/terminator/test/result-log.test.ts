import { beforeAll, describe, expect, it } from "vitest";
import { createLogger, type Redis } from "@macaque/shared";
import { createIdempotency } from "../src/idempotency.ts";
import { buildResultEvent } from "../src/result-event.ts";
import { withResultLog } from "../src/result-log.ts";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { experimentContext } from "../../../test/support/experiment.ts";
import { memoryLog } from "../../../test/support/memory-log.ts";
import { useTestRedis } from "../../../test/support/redis.ts";

const experiment = experimentContext();
const testRedis = useTestRedis("terminator-result-log");
let redis: Redis;
beforeAll(() => {
  redis = testRedis.redis;
});
const logger = createLogger({ service: "terminator", level: "silent" });
const result = (at: string) =>
  buildResultEvent({
    experiment,
    outcomes: [{ instanceId: "i-00000000000000001", outcome: "terminated", at }],
    now: new Date(at),
  });

const fresh = () => {
  const keyPrefix = uniquePrefix("results");
  const log = memoryLog();
  const idempotency = withResultLog(createIdempotency({ redis, keyPrefix }), log, logger);
  return { keyPrefix, log, idempotency };
};

describe("the terminator's durable result log", () => {
  it("writes the result Redis keeps, once", async () => {
    const { log, idempotency } = fresh();
    const first = result("2026-12-07T10:00:00.000Z");
    expect(await idempotency.keepResult("exp-1", first)).toEqual({ event: first, stored: true });
    await idempotency.keepResult("exp-1", result("2026-12-07T10:05:00.000Z"));
    expect(JSON.parse(log.objects.get("exp-1")!)).toEqual(first);
  });

  it("finds the result after Redis lost it, and keeps it in Redis again", async () => {
    const { keyPrefix, idempotency } = fresh();
    const first = result("2026-12-07T10:00:00.000Z");
    await idempotency.keepResult("exp-1", first);
    await redis.del(`${keyPrefix}:terminator:experiment:exp-1`);
    expect(await idempotency.findResult("exp-1")).toEqual(first);
    expect(await redis.exists(`${keyPrefix}:terminator:experiment:exp-1`)).toBe(1);
  });

  it("lets the log's result win over one carried out after Redis lost the first", async () => {
    const { keyPrefix, idempotency } = fresh();
    const first = result("2026-12-07T10:00:00.000Z");
    await idempotency.keepResult("exp-1", first);
    await redis.del(`${keyPrefix}:terminator:experiment:exp-1`);
    const later = result("2026-12-07T10:05:00.000Z");
    expect(await idempotency.keepResult("exp-1", later)).toEqual({ event: first, stored: false });
  });

  it("finds nothing for an experiment never carried out", async () => {
    expect(await fresh().idempotency.findResult("exp-never")).toBeUndefined();
  });
});
