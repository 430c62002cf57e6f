/**
 * The producer's side of the operator's controls: it refuses every new request
 * while the kill switch is on (`halted`), and notes each experiment it orders in
 * the control store until its outcome, so `macaque status` (which cannot read the
 * producer's Redis) can list the experiments in flight and their groups.
 */
import {
  ControlRefusal,
  describeHalt,
  type ExperimentContext,
  type HaltRecord,
  type Logger,
  type Reason,
  shareRecentRead,
} from "@macaque/shared";
import type { ControlStore } from "@macaque/shared/control-store";

export interface ProducerControls {
  /** The switch; throws ControlUnreadableError when it cannot be read (the request is redelivered). */
  readHalt(): Promise<HaltRecord | undefined>;
  /** Best effort: a note that cannot be written is logged, and the experiment goes on. */
  noteInFlight(experiment: ExperimentContext, leaseTtlMs: number, logger: Logger): Promise<void>;
  /** Best effort, like the note; a stale note is ignored by `status` once its `endsBy` passed. */
  forgetInFlight(experimentId: string, logger: Logger): Promise<void>;
}

export function haltedReason(halt: HaltRecord): Reason {
  return {
    code: ControlRefusal.halted,
    message: `${describeHalt(halt)}; nothing is planned or terminated until macaque resume`,
  };
}

export function createProducerControls(
  store: Pick<ControlStore, "readHalt" | "noteInFlight" | "forgetInFlight">,
  options: { haltReadWindowMs?: number; now?: () => number } = {},
): ProducerControls {
  return {
    readHalt: shareRecentRead(() => store.readHalt(), options.haltReadWindowMs ?? 0, options.now),
    async noteInFlight(experiment, leaseTtlMs, logger) {
      const endsBy = new Date(Date.parse(experiment.plannedAt) + leaseTtlMs).toISOString();
      try {
        await store.noteInFlight({
          experimentId: experiment.id,
          asg: experiment.asg,
          plannedAt: experiment.plannedAt,
          endsBy,
          ...(experiment.requestedBy !== undefined && { requestedBy: experiment.requestedBy }),
        });
      } catch (err) {
        logger.warn(
          { event: "in-flight.note-failed", err },
          "could not note the experiment in the control store; macaque status will not list it",
        );
      }
    },
    async forgetInFlight(experimentId, logger) {
      try {
        await store.forgetInFlight(experimentId);
      } catch (err) {
        logger.warn(
          { event: "in-flight.forget-failed", err },
          "could not remove the in-flight note; macaque status ignores it once the lease ends",
        );
      }
    },
  };
}
