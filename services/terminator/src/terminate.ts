import {
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import type { ExperimentContext, RateLimiter, TerminationOutcome } from "@macaque/shared";
import type { Ec2Query } from "@macaque/shared/ec2-query";
import { describeAwsError, isPermanentAwsError } from "./aws-errors.ts";

export type Mode = ExperimentContext["mode"];

export interface TerminateRequest {
  instanceIds: readonly string[];
  /** Called before each call: a retry can then tell a lost answer from no call at all. */
  onAttempt(instanceIds: readonly string[]): Promise<void>;
  /** Called after each successful call, before the next: progress survives a crash. */
  onTerminated(outcomes: TerminationOutcome[]): Promise<void>;
}

/**
 * One way of terminating. An error about an instance (it is gone, the call is
 * invalid for it) makes that instance `failed`; any other error is thrown so the
 * order is redelivered.
 */
export interface Termination {
  readonly mode: Mode;
  terminate(request: TerminateRequest): Promise<TerminationOutcome[]>;
}

type Clock = () => Date;

const terminated = (instanceId: string, at: Date): TerminationOutcome => ({
  instanceId,
  outcome: "terminated",
  at: at.toISOString(),
});

const failed = (instanceId: string, reason: string, at: Date): TerminationOutcome => ({
  instanceId,
  outcome: "failed",
  reason: `could not terminate ${instanceId}: ${reason}`,
  at: at.toISOString(),
});

/** `ec2`: EC2 TerminateInstances, as if the instances crashed; the group finds out by its health check. */
export function createEc2Termination(options: {
  ec2: Ec2Query;
  now: Clock;
  /** EC2_CALLS_PER_SECOND's slot, taken before onAttempt (its kill-switch read), not after. */
  limiter?: RateLimiter;
}): Termination {
  const { ec2, now } = options;
  const terminateAll = async (request: TerminateRequest): Promise<TerminationOutcome[]> => {
    const ids = [...request.instanceIds];
    if (ids.length === 0) return [];
    await options.limiter?.take();
    await request.onAttempt(ids);
    try {
      const reported = new Set(await ec2.terminateInstances(ids));
      const at = now();
      const outcomes = ids.map((id) =>
        reported.has(id) ? terminated(id, at) : failed(id, "EC2 did not report it terminating", at),
      );
      await request.onTerminated(outcomes.filter((o) => o.outcome === "terminated"));
      return outcomes;
    } catch (err) {
      if (!isPermanentAwsError(err)) throw err;
      if (ids.length === 1) return [failed(ids[0]!, describeAwsError(err), now())];
      // EC2 refuses the whole call for one bad id; alone, the others still go.
      const outcomes: TerminationOutcome[] = [];
      for (const id of ids)
        outcomes.push(...(await terminateAll({ ...request, instanceIds: [id] })));
      return outcomes;
    }
  };
  return { mode: "ec2", terminate: terminateAll };
}

/**
 * `asg`: TerminateInstanceInAutoScalingGroup without decrementing the desired
 * capacity, so the group launches a replacement at once.
 */
export function createAsgTermination(options: {
  autoScaling: AutoScalingClient;
  now: Clock;
  /** AUTO_SCALING_CALLS_PER_SECOND's slot, taken before onAttempt (its kill-switch read). */
  limiter?: RateLimiter;
}): Termination {
  const { autoScaling, now } = options;
  return {
    mode: "asg",
    async terminate(request) {
      const outcomes: TerminationOutcome[] = [];
      for (const id of request.instanceIds) {
        await options.limiter?.take();
        await request.onAttempt([id]);
        try {
          await autoScaling.send(
            new TerminateInstanceInAutoScalingGroupCommand({
              InstanceId: id,
              ShouldDecrementDesiredCapacity: false,
            }),
          );
        } catch (err) {
          if (!isPermanentAwsError(err)) throw err;
          outcomes.push(failed(id, describeAwsError(err), now()));
          continue;
        }
        const outcome = terminated(id, now());
        await request.onTerminated([outcome]);
        outcomes.push(outcome);
      }
      return outcomes;
    },
  };
}
