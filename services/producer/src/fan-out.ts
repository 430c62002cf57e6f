import {
  fanOutRequestId,
  formatSelector,
  type JobMessage,
  type Reason,
  type SelectorJobMessage,
} from "@macaque/shared";
import {
  decideSlot,
  formatMinute,
  localTimeOf,
  parseWindow,
  scheduleRequestId,
} from "@macaque/shared/schedule";

/**
 * A selector request ("every group tagged macaque:enabled=true") becomes one
 * ordinary job message per matching group, sent back to the request queue: each is
 * planned, refused, halted, stopped and spaced like a job naming that group, and its
 * requestId is derived from the parent's and the group's, so a redelivered parent
 * sends the same ids and no group's experiment is decided twice. Pure: the groups
 * come in already resolved (select-groups.ts).
 */

export type FanOutDecision =
  /** One job message per group that is due now, in the groups' order. */
  | { kind: "send"; jobs: GroupJob[]; matched: number }
  | { kind: "reject"; reason: Reason }
  /** A random-mode tick on which no group is due, or a blackout day: nothing to say. */
  | { kind: "skip"; message: string };

export interface GroupJob {
  asg: string;
  requestId: string;
  /** The job message for the group, as sent to the request queue. */
  message: JobMessage;
}

/** The parent's requestId: a schedule's is its slot's, else the sender's, else the message id. */
export function parentRequestIdOf(job: SelectorJobMessage, messageId: string): string {
  if (job.schedule) return scheduleRequestId(job.schedule.name, job.schedule.slot);
  return job.requestId ?? messageId;
}

/**
 * What one selector request fans out to. `groups` holds at most maxGroups + 1 names
 * (sorted), enough to tell "too many". A random-mode tick reports an empty or too
 * broad selector only at the window's first minute, once a day, not 360 times.
 */
export function fanOut(input: {
  job: SelectorJobMessage;
  parentRequestId: string;
  groups: readonly string[];
  maxGroups: number;
}): FanOutDecision {
  const { job, parentRequestId, groups, maxGroups } = input;
  const selected = formatSelector(job.selector);
  const run = job.schedule;
  const quiet = run?.random !== undefined && !atWindowStart(run.slot, run.timeZone, run.random);
  if (groups.length === 0 || groups.length > maxGroups) {
    if (quiet)
      return { kind: "skip", message: `selector ${selected}: reported at the window start` };
    return {
      kind: "reject",
      reason:
        groups.length === 0
          ? {
              code: "selector-matched-nothing",
              path: "selector",
              message: `not terminating: no Auto Scaling group carries the tags ${selected}`,
            }
          : {
              code: "selector-too-broad",
              path: "selector",
              message: `not terminating: the tags ${selected} match more than ${maxGroups} groups (MAX_GROUPS_PER_SELECTOR); narrow the selector or raise the limit`,
            },
    };
  }
  const { selector, requestId: _parentId, ...shared } = job;
  const jobs: GroupJob[] = [];
  for (const asg of groups) {
    if (run) {
      const slot = decideSlot(run, asg);
      // A blackout is the same for every group: refused once, for the parent.
      if (slot.kind === "refuse") {
        return { kind: "reject", reason: { code: slot.code, message: slot.message } };
      }
      if (slot.kind === "skip") continue;
    }
    const requestId = fanOutRequestId(parentRequestId, asg);
    const message: JobMessage = {
      ...shared,
      asg,
      fanOut: { parentRequestId, selector },
      // A schedule's group job keeps `schedule` and gets its id from the slot (scheduled-request.ts).
      ...(run ? {} : { requestId }),
    };
    jobs.push({ asg, requestId, message });
  }
  if (jobs.length === 0) {
    return { kind: "skip", message: `selector ${selected}: no group is due at this tick` };
  }
  return { kind: "send", jobs, matched: groups.length };
}

function atWindowStart(slot: string, timeZone: string, random: { window: string }): boolean {
  const { minute } = localTimeOf(new Date(slot), timeZone);
  return formatMinute(minute) === formatMinute(parseWindow(random.window).startMinute);
}
