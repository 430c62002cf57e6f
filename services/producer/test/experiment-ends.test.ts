import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SSMClient } from "@aws-sdk/client-ssm";
import { startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { createControlStore } from "@macaque/shared/control-store";
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import {
  EventType,
  ServiceName,
  createEvent,
  createLogger,
  eventSource,
  type ExperimentContext,
  type Redis,
} from "@macaque/shared";
import { experimentContext } from "../../../test/support/experiment.ts";
import { useTestRedis } from "../../../test/support/redis.ts";
import { createExperimentEndStore, type ExperimentEndStore } from "../src/experiment-ends.ts";
import { createOutcomeHandler } from "../src/handle-outcome.ts";
import { createLeaseStore, type LeaseStore } from "../src/lease.ts";
import { createProducerControls } from "../src/controls.ts";
import { sandboxClient } from "../../../test/support/aws.ts";
import { createProducerMetrics } from "../src/producer-metrics.ts";

const testRedis = useTestRedis("experiment-ends-test");
let redis: Redis;
let ends: ExperimentEndStore;
let leases: LeaseStore;
let prefix: string;
let handleOutcome: ReturnType<typeof createOutcomeHandler>;
const endedAt = new Date("2030-01-01T10:00:00.000Z");

// The outcome also removes the experiment's in-flight note: a real Parameter Store (the simulator's).
let sim: FleetSim;
let ssm: SSMClient;
afterAll(async () => {
  ssm?.destroy();
  await sim?.close();
});

beforeAll(async () => {
  sim = await startFleetSim({ port: 0 });
  ssm = sandboxClient(SSMClient, sim.url);
  const controls = createProducerControls(createControlStore({ ssm, path: "/ends-test" }));
  redis = testRedis.redis;
  prefix = `t-${randomBytes(4).toString("hex")}`;
  ends = createExperimentEndStore(redis, prefix);
  leases = createLeaseStore(redis, prefix);
  const metrics = createProducerMetrics(new Registry());
  handleOutcome = createOutcomeHandler({ leases, ends, metrics, now: () => endedAt, controls });
});

const outcomeOf = (experiment: ExperimentContext) => ({
  MessageId: "m-1",
  Body: JSON.stringify(
    createEvent(EventType.terminationFailed, {
      source: eventSource(ServiceName.terminator),
      subject: experiment.id,
      data: { experiment, reason: "test", terminations: [] },
    }),
  ),
});

const context = {
  logger: createLogger({ service: "test", level: "silent" }),
  receiveCount: 1,
  messageId: "m-1",
};

describe("experiment end store", () => {
  it("keeps a group's last end under the producer's namespace, none until one is recorded", async () => {
    expect(await ends.lastEndedAt("g1")).toBeUndefined();
    await ends.record("g1", endedAt);
    expect(await ends.lastEndedAt("g1")).toEqual(endedAt);
    expect(await redis.get(`${prefix}:producer:last-ended:g1`)).toBe(endedAt.toISOString());
  });

  it("treats a value it cannot read as no end at all", async () => {
    await redis.set(`${prefix}:producer:last-ended:g2`, "yesterday");
    expect(await ends.lastEndedAt("g2")).toBeUndefined();
  });
});

describe("outcome handler", () => {
  it("records the experiment's end when its outcome frees the group", async () => {
    const experiment = experimentContext({ id: "exp-ends-1", asg: "g3" });
    await leases.acquire("g3", experiment.id, 60_000);
    await ends.record("g3", new Date("2030-01-01T11:00:00.000Z")); // the provisional end
    await handleOutcome(outcomeOf(experiment), context);
    expect(await leases.holder("g3")).toBeUndefined();
    expect(await ends.lastEndedAt("g3")).toEqual(endedAt);
  });

  it("leaves the recorded end alone for an outcome whose lease is gone or held by another", async () => {
    const provisional = new Date("2030-01-01T09:00:00.000Z");
    await ends.record("g4", provisional);
    await handleOutcome(outcomeOf(experimentContext({ id: "exp-late", asg: "g4" })), context);
    expect(await ends.lastEndedAt("g4")).toEqual(provisional);
    await leases.acquire("g4", "exp-newer", 60_000);
    await handleOutcome(outcomeOf(experimentContext({ id: "exp-late", asg: "g4" })), context);
    expect(await leases.holder("g4")).toBe("exp-newer");
    expect(await ends.lastEndedAt("g4")).toEqual(provisional);
  });
});
