import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  type AnyCloudEvent,
  type GroupObservation,
} from "@macaque/shared";
import {
  experimentContext,
  groupObservation,
  instanceSnapshots,
} from "../../test/support/experiment.ts";

/**
 * The events of one experiment, as the services publish them: tests replay
 * them to drive the live view without running the services.
 */
export function experimentEvents(
  experimentId: string,
  options: { asg?: string; dryRun?: boolean; requestId?: string; deadlineSeconds?: number } = {},
) {
  const asg = options.asg ?? "web";
  const plannedAt = new Date();
  const at = (ms: number) => new Date(plannedAt.getTime() + ms);
  const experiment = experimentContext({
    id: experimentId,
    requestId: options.requestId ?? "req-1",
    asg,
    dryRun: options.dryRun ?? false,
    recovery: {
      deadlineSeconds: options.deadlineSeconds ?? 900,
      checkIntervalSeconds: 1,
      targetSeconds: 60,
    },
    seed: "42",
    plannedAt: plannedAt.toISOString(),
    instanceIdsAtPlan: ["i-0000000a", "i-0000000b", "i-0000000c", "i-0000000d"],
    victims: instanceSnapshots([{ instanceId: "i-0000000b", availabilityZone: "us-east-1b" }]),
  });
  /** A check one second in, one victim gone and its replacement i-0000000e pending. */
  const observed = (over: Partial<GroupObservation>): GroupObservation =>
    groupObservation({
      at: at(1_000).toISOString(),
      inService: 3,
      inServiceHealthy: 3,
      pending: 1,
      replacements: ["i-0000000e"],
      ...over,
    });
  const producer = { source: eventSource(ServiceName.producer), subject: experimentId };
  const terminator = { source: eventSource(ServiceName.terminator), subject: experimentId };
  const monitor = { source: eventSource(ServiceName.recoveryMonitor), subject: experimentId };
  const progressed = (
    milestone: "replacement-seen" | "all-in-service" | "healthy",
    o: GroupObservation,
  ) =>
    createEvent(EventType.recoveryProgressed, {
      ...monitor,
      data: { experiment, milestone, elapsedSeconds: 2, observed: o },
    });
  return {
    experiment,
    planned: createEvent(EventType.experimentPlanned, {
      ...producer,
      id: `${experimentId}:planned`,
      data: {
        experiment,
        group: {
          name: asg,
          desiredCapacity: 4,
          minSize: 1,
          maxSize: 8,
          suspendedProcesses: [],
          instances: [],
        },
        candidates: ["i-0000000b", "i-0000000a", "i-0000000c", "i-0000000d"],
        excluded: [],
      },
    }),
    rejected: createEvent(EventType.experimentRejected, {
      ...producer,
      data: {
        experimentId,
        requestId: experiment.requestId,
        asg,
        notify: { emails: [] },
        stage: "guardrail",
        reasons: [
          { code: "not-opted-in", message: `group ${asg} is not opted in` },
          { code: "above-max-percent", message: "asks for 3 instances; at most 2 are allowed" },
        ],
        rejectedAt: at(0).toISOString(),
        receivedBody: "{}",
      },
    }),
    terminated: createEvent(EventType.instancesTerminated, {
      ...terminator,
      data: {
        experiment,
        terminations: [
          { instanceId: "i-0000000b", outcome: "terminated", at: at(500).toISOString() },
        ],
        terminatedAt: at(500).toISOString(),
      },
    }),
    terminationFailed: createEvent(EventType.terminationFailed, {
      ...terminator,
      data: {
        experiment,
        reason: "terminated none of 1 victim: i-0000000b is no longer InService",
        terminations: [
          {
            instanceId: "i-0000000b",
            outcome: "skipped",
            reason: "no longer InService",
            at: at(500).toISOString(),
          },
        ],
      },
    }),
    replacementSeen: progressed(
      "replacement-seen",
      observed({
        instances: instanceSnapshots([{ instanceId: "i-0000000e", lifecycleState: "Pending" }]),
      }),
    ),
    allInService: progressed("all-in-service", observed({ inService: 4, pending: 0 })),
    healthy: progressed("healthy", observed({ inService: 4, inServiceHealthy: 4, pending: 0 })),
    recovered: createEvent(EventType.recoveryCompleted, {
      ...monitor,
      data: {
        experiment,
        outcome: "recovered",
        verdict: "pass",
        timeToRecoverSeconds: 4.2,
        timeline: { terminatedAt: at(500).toISOString(), recoveredAt: at(4_700).toISOString() },
        lastObserved: observed({ inService: 4, inServiceHealthy: 4, pending: 0 }),
        checkIntervalSeconds: 1,
        checks: 5,
        terminated: ["i-0000000b"],
      },
    }),
    notRecovered: createEvent(EventType.recoveryCompleted, {
      ...monitor,
      data: {
        experiment,
        outcome: "not-recovered",
        verdict: "fail",
        timeToRecoverSeconds: null,
        timeline: { terminatedAt: at(500).toISOString() },
        lastObserved: observed({}),
        checkIntervalSeconds: 1,
        checks: 900,
        terminated: ["i-0000000b"],
      },
    }),
    reportSent: createEvent(EventType.reportSent, {
      source: eventSource(ServiceName.notifier),
      subject: experimentId,
      data: {
        experimentId,
        reportKind: "recovery",
        recipients: ["ops@example.com"],
        subject: "recovered",
        sentAt: at(5_000).toISOString(),
      },
    }),
  } satisfies Record<string, unknown>;
}

export type ExperimentEvents = ReturnType<typeof experimentEvents>;
export type { AnyCloudEvent };
