import {
  EventType,
  createEvent,
  eventSource,
  type CloudEvent,
  type EventData,
  type ExperimentContext,
  ServiceName,
} from "@macaque/shared";
import {
  experimentContext,
  groupObservation,
  instanceSnapshots,
} from "../../../test/support/experiment.ts";

/** Sample events as the other services publish them, for tests and the sample renderer. */

export const t0 = "2025-11-26T10:00:00.000Z";
export const at = (seconds: number): string =>
  new Date(Date.parse(t0) + seconds * 1000).toISOString();

export function experiment(overrides: Partial<ExperimentContext> = {}): ExperimentContext {
  return experimentContext({
    id: "exp-20251126-web-1",
    requestId: "req-42",
    requestedBy: "ops@example.com",
    notify: { emails: ["Alice@Example.com"] },
    recovery: { deadlineSeconds: 900, checkIntervalSeconds: 10, targetSeconds: 60 },
    seed: "7",
    plannedAt: at(-2),
    instanceIdsAtPlan: ["i-0000000a", "i-0000000b", "i-0000000c", "i-0000000d"],
    victims: instanceSnapshots([
      { instanceId: "i-0000000a", availabilityZone: "us-east-1a" },
      { instanceId: "i-0000000c", availabilityZone: "us-east-1b" },
    ]),
    ...overrides,
  });
}

type Data<T extends EventType> = EventData<T>;

export function recoveryCompletedData(
  overrides: Partial<Data<"macaque.recovery.completed">> = {},
): Data<"macaque.recovery.completed"> {
  return {
    experiment: experiment(),
    outcome: "recovered",
    verdict: "pass",
    timeToRecoverSeconds: 42,
    timeline: {
      terminatedAt: at(0),
      firstReplacementSeenAt: at(10),
      allInServiceAt: at(30),
      healthyAt: at(40),
      recoveredAt: at(42),
    },
    lastObserved: groupObservation({ at: at(42), replacements: ["i-0000001e", "i-0000001f"] }),
    checkIntervalSeconds: 10,
    checks: 5,
    terminated: ["i-0000000a", "i-0000000c"],
    ...overrides,
  };
}

export function notRecoveredData(): Data<"macaque.recovery.completed"> {
  return recoveryCompletedData({
    outcome: "not-recovered",
    verdict: "fail",
    timeToRecoverSeconds: null,
    timeline: { terminatedAt: at(0), firstReplacementSeenAt: at(20), allInServiceAt: at(60) },
    lastObserved: groupObservation({
      at: at(900),
      inServiceHealthy: 2,
      replacements: ["i-0000001e", "i-0000001f"],
      instances: instanceSnapshots([
        { instanceId: "i-0000000b", availabilityZone: "us-east-1a" },
        { instanceId: "i-0000000d", availabilityZone: "us-east-1b" },
        { instanceId: "i-0000001e", availabilityZone: "us-east-1a", healthStatus: "Unhealthy" },
        { instanceId: "i-0000001f", availabilityZone: "us-east-1b", healthStatus: "Unhealthy" },
      ]),
    }),
    checks: 90,
  });
}

/** An alarm went into ALARM 42 s in: the experiment stopped at the next check. */
export function stoppedData(): Data<"macaque.recovery.completed"> {
  return {
    ...notRecoveredData(),
    outcome: "stopped",
    checks: 4,
    stoppedBy: [
      {
        alarm: "web-5xx",
        kind: "in-alarm",
        state: "ALARM",
        reason: "Threshold Crossed: 5xx rate 12% > 5%",
        firedAt: at(42),
      },
    ],
  };
}

export function rejectedData(
  overrides: Partial<Data<"macaque.experiment.rejected">> = {},
): Data<"macaque.experiment.rejected"> {
  return {
    experimentId: "exp-rejected-1",
    requestId: "req-43",
    asg: "web",
    requestedBy: "ops@example.com",
    notify: { emails: ["bob@example.com"] },
    stage: "validation",
    reasons: [
      { code: "invalid-field", path: "count", message: "count: must be at least 1" },
      { code: "unknown-field", message: 'unknown field "dryrun"' },
    ],
    rejectedAt: at(0),
    receivedBody: '{"asg":"web","count":0,"dryrun":true}',
    ...overrides,
  };
}

export function terminationFailedData(): Data<"macaque.termination.failed"> {
  return {
    experiment: experiment({ id: "exp-tf-1" }),
    reason: "every victim failed the re-check",
    terminations: [
      {
        instanceId: "i-0000000a",
        outcome: "skipped",
        reason: "no longer InService (Terminating)",
        at: at(1),
      },
      { instanceId: "i-0000000c", outcome: "failed", reason: "UnauthorizedOperation", at: at(1) },
    ],
  };
}

export function dryRunPlannedData(
  overrides: Partial<ExperimentContext> = {},
): Data<"macaque.experiment.planned"> {
  const exp = experiment({ id: "exp-dry-1", dryRun: true, seed: "demo-seed", ...overrides });
  return {
    experiment: exp,
    group: {
      name: exp.asg,
      desiredCapacity: 4,
      minSize: 2,
      maxSize: 8,
      suspendedProcesses: [],
      instances: [
        ...exp.victims,
        ...instanceSnapshots([
          { instanceId: "i-0000000b", availabilityZone: "us-east-1a" },
          { instanceId: "i-0000000d", availabilityZone: "us-east-1b" },
        ]),
      ],
    },
    candidates: ["i-0000000a", "i-0000000c", "i-0000000b"],
    excluded: [{ instanceId: "i-0000000d", reason: "tagged macaque:exclude=true" }],
  };
}

export function event<T extends EventType>(
  type: T,
  data: EventData<T>,
  subject: string,
): CloudEvent<T> {
  return createEvent(type, {
    source: eventSource(ServiceName.producer),
    subject,
    data,
    now: new Date(t0),
  });
}

export const recoveryEvent = (data = recoveryCompletedData()) =>
  event(EventType.recoveryCompleted, data, data.experiment.id);
