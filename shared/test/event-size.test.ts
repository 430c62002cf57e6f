import { describe, expect, it } from "vitest";
import { EventType, createEvent, maxCarriedCandidates, parseEvent } from "../src/index.ts";
import {
  experimentContext,
  groupConfiguration,
  groupObservation,
  instanceSnapshots,
} from "../../test/support/experiment.ts";

/** SNS refuses messages over 256 KB: the end of an experiment on a large group must fit. */
const snsLimit = 262_144;

describe("event size", () => {
  it("keeps recovery.completed of a 1,000-instance group with its plan under SNS's limit", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `i-${(0x10000000 + i).toString(16)}0000000`);
    const instances = instanceSnapshots(
      ids.map((instanceId) => ({ instanceId, availabilityZone: "us-east-1a" })),
    );
    const experiment = experimentContext({
      instanceIdsAtPlan: ids,
      victims: instances.slice(0, 10),
      plan: {
        job: { asg: "web", count: 10, notify: { emails: Array(50).fill("someone@example.com") } },
        group: groupConfiguration({ desiredCapacity: 1000, minSize: 500, maxSize: 2000 }),
        candidates: ids.slice(0, maxCarriedCandidates),
        candidateCount: ids.length,
      },
    });
    const event = createEvent(EventType.recoveryCompleted, {
      source: "urn:macaque:recovery-monitor",
      subject: experiment.id,
      data: {
        experiment,
        outcome: "recovered",
        verdict: "pass",
        timeToRecoverSeconds: 84,
        timeline: {
          terminatedAt: "2030-01-01T00:00:00.000Z",
          recoveredAt: "2030-01-01T00:01:24.000Z",
        },
        lastObserved: groupObservation({
          instances,
          desiredCapacity: 1000,
          inService: 1000,
          inServiceHealthy: 1000,
        }),
        checkIntervalSeconds: 5,
        checks: 17,
        terminated: ids.slice(0, 10),
        terminations: ids.slice(0, 10).map((instanceId) => ({
          instanceId,
          outcome: "terminated" as const,
          at: "2030-01-01T00:00:00.000Z",
        })),
      },
    });
    expect(() => parseEvent(JSON.parse(JSON.stringify(event)))).not.toThrow();
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(snsLimit);
  });
});
