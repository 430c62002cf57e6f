import type { Queue } from "bullmq";
import { ServiceName, redisKey, type FleetSignal, type Logger, type Redis } from "@macaque/shared";
import type { MonitorJob, WakeSignal } from "./monitor-job.ts";
import { jobIdFor } from "./schedule.ts";
import { nextTick } from "./tick.ts";

/**
 * Wakes the checks an event concerns. Each monitored experiment is watched under
 * its group's name and its victims' instance ids; an event's signal is queued under the job (a Redis list the next
 * check takes) and the job's delayed check is moved to the next tick of the shared
 * grid (tick.ts), where the checks woken by other events in the same tick share its
 * describe. A check already running sees the signal when it ends (`hasWakeSignals`)
 * and goes again at the next tick. The watch keys expire after the deadline; a
 * wake-up for a finished job finds nothing to move.
 */
export function createWaker(options: {
  redis: Redis;
  queue: Queue<MonitorJob>;
  keyPrefix: string;
  /** The grid's spacing (EVENT_FOLLOW_UP_MS). */
  tickMs: number;
  logger: Logger;
}) {
  const { redis, queue, logger, tickMs } = options;
  const key = (...parts: string[]) =>
    redisKey(options.keyPrefix, ServiceName.recoveryMonitor, "wake", ...parts);
  const groupKey = (asg: string) => key("group", asg);
  const instanceKey = (id: string) => key("instance", id);
  const signalsKey = (jobId: string) => key("signals", jobId);
  const earlyKey = (asg: string) => key("early", asg);
  /** A signal list outlives no check by much: the next one takes it. */
  const signalsTtlMs = 3_600_000;
  /**
   * How long a launch in a group nobody watches is kept for a watch that may yet
   * begin: the termination's own event is seconds behind at most, unless SQS
   * redelivers it.
   */
  const earlyTtlMs = 120_000;

  /**
   * changeDelay fails unless the job is delayed: a running check is busy. (BullMQ
   * adds the delay to its own Date.now(), hence the real clock here.)
   */
  const wakeOnce = async (jobId: string): Promise<"woken" | "busy" | "gone"> => {
    const job = await queue.getJob(jobId);
    if (!job || job.finishedOn) return "gone";
    try {
      const nowMs = Date.now();
      await job.changeDelay(nextTick(nowMs, tickMs) - nowMs);
      return "woken";
    } catch {
      return "busy";
    }
  };

  /**
   * A check under way takes the signal when it ends (hasSignals); one that has just
   * ended may have looked before the signal came, so while the signal waits and the
   * job is busy, this tries again a few times.
   */
  const wakeJob = async (jobId: string): Promise<boolean> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await wakeOnce(jobId);
      if (result !== "busy") return result === "woken";
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
      if ((await redis.llen(signalsKey(jobId))) === 0) return false; // a check took it
    }
    return false;
  };

  /** Whether a replacement was launched yet: before that, a termination completes nothing. */
  const launchedYet = async (jobId: string): Promise<boolean> => {
    const job = await queue.getJob(jobId);
    if (Object.keys(job?.data.launches ?? {}).length > 0) return true;
    const pending = await redis.lrange(signalsKey(jobId), 0, -1);
    return pending.some((text) => (JSON.parse(text) as WakeSignal).kind === "launched");
  };

  return {
    /** Watches an experiment's group and victims until `untilMs` (epoch ms). */
    watch: async (job: MonitorJob, untilMs: number): Promise<void> => {
      const jobId = jobIdFor(job.experiment.id);
      const px = Math.max(1_000, Math.round(untilMs - Date.now()) + 60_000);
      const multi = redis.multi().set(groupKey(job.experiment.asg), jobId, "PX", px);
      for (const id of job.terminated) multi.set(instanceKey(id), jobId, "PX", px);
      await multi.exec();
      // Launches announced before the watch began (the replacement can come up before
      // the termination's event reaches the monitor) are handed to the job now.
      const taken = await redis
        .multi()
        .lrange(earlyKey(job.experiment.asg), 0, -1)
        .del(earlyKey(job.experiment.asg))
        .exec();
      const early = (taken?.[0]?.[1] as string[] | undefined) ?? [];
      if (early.length === 0) return;
      await redis
        .multi()
        .rpush(signalsKey(jobId), ...early)
        .pexpire(signalsKey(jobId), signalsTtlMs)
        .exec();
      await wakeJob(jobId);
    },

    /** Queues the signal under the job it concerns and wakes it; resolves whether one was woken. */
    wake: async (signal: FleetSignal): Promise<boolean> => {
      // An EC2 state change alone never completes a recovery (the group must notice
      // first, and Auto Scaling's own events say when it did); waking on each would
      // only spend describes.
      if (signal.kind === "state-changed") return false;
      const jobId =
        (signal.group && (await redis.get(groupKey(signal.group)))) ||
        (await redis.get(instanceKey(signal.instanceId)));
      if (!jobId) {
        // Maybe an experiment whose watch has not begun: its launch waits there a while.
        if (signal.kind === "launched" && signal.group) {
          const early: WakeSignal = {
            kind: "launched",
            instanceId: signal.instanceId,
            at: signal.at,
          };
          await redis
            .multi()
            .rpush(earlyKey(signal.group), JSON.stringify(early))
            .pexpire(earlyKey(signal.group), earlyTtlMs)
            .exec();
        }
        return false;
      }
      // A victim's Terminate Successful ends its recovery only once replacements are up.
      if (signal.kind === "terminated" && !(await launchedYet(jobId))) return false;
      const wake: WakeSignal = { kind: signal.kind, instanceId: signal.instanceId, at: signal.at };
      await redis
        .multi()
        .rpush(signalsKey(jobId), JSON.stringify(wake))
        .pexpire(signalsKey(jobId), signalsTtlMs)
        .exec();
      const woken = await wakeJob(jobId);
      logger.debug(
        {
          event: "recovery.wake",
          jobId,
          kind: signal.kind,
          instanceId: signal.instanceId,
          woken,
        },
        "event for a monitored experiment",
      );
      return true;
    },

    /**
     * At start, every waiting check runs at once: events sent while no monitor
     * listened may be lost (a killed poller's messages stay hidden for the
     * visibility timeout), and a check now at least bounds what happened meanwhile.
     * Resolves how many were woken.
     */
    catchUp: async (): Promise<number> => {
      let woken = 0;
      // Promoted jobs leave the delayed set, so each page is read from the start.
      for (;;) {
        const jobs = await queue.getDelayed(0, 499);
        let promoted = 0;
        for (const job of jobs)
          promoted += await job.promote().then(
            () => 1,
            () => 0,
          );
        woken += promoted;
        if (jobs.length < 500 || promoted === 0) return woken;
      }
    },

    takeSignals: async (jobId: string): Promise<WakeSignal[]> => {
      const result = await redis
        .multi()
        .lrange(signalsKey(jobId), 0, -1)
        .del(signalsKey(jobId))
        .exec();
      const raw = (result?.[0]?.[1] as string[] | undefined) ?? [];
      return raw.map((text) => JSON.parse(text) as WakeSignal);
    },

    hasSignals: async (jobId: string): Promise<boolean> =>
      (await redis.llen(signalsKey(jobId))) > 0,
  };
}
export type Waker = ReturnType<typeof createWaker>;
