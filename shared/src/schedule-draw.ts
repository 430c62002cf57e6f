import { createHash } from "node:crypto";
import {
  blackoutCovering,
  formatMinute,
  localTimeOf,
  parseWindow,
  type Blackout,
  type DailyWindow,
} from "./schedule-calendar.ts";

/**
 * What the producer decides about one slot of a schedule, and Chaos Monkey's daily
 * draw behind random mode. Pure and seeded: the same schedule, group and slot always
 * give the same answer, so a redelivered or twice-fired slot is the same decision,
 * and `macaque schedule preview` replays it exactly.
 *
 * Random mode: on each day the schedule runs, a group is drawn with probability
 * 1 / meanDaysBetween and, when drawn, given one minute of the window. The schedule
 * ticks every minute of the window; the one tick whose minute was drawn runs an
 * experiment, every other tick is skipped. Both numbers come from SHA-256 of
 * (seed, schedule, group, local date): no state anywhere, so nothing to lose on a
 * restart and nothing to double on a redelivery.
 */

/** The `schedule` field of a job message sent by a schedule (its plain type). */
export interface ScheduledRun {
  /** The schedule's name (EventBridge Scheduler's). */
  name: string;
  /** The slot this message is for: EventBridge's `<aws.scheduler.scheduled-time>`. */
  slot: string;
  /** IANA zone of the schedule: blackouts and the window are on its wall clocks. */
  timeZone: string;
  /** Recorded when the schedule was made; with the slot, it seeds the draw and the victims. */
  seed: string;
  blackouts: Blackout[];
  /** Chaos Monkey's random mode; absent for a fixed (cron or rate) schedule. */
  random?: { window: string; meanDaysBetween: number } | undefined;
}

/** One day's draw for one group, as recorded in the plan and printed by `schedule preview`. */
export interface Draw {
  /** Local date the draw is for. */
  date: string;
  /** Uniform in [0, 1): drawn when below the probability. */
  roll: number;
  /** 1 / meanDaysBetween. */
  probability: number;
  drawn: boolean;
  /** The minute of the window it fires at (`HH:MM`, local), drawn or not. */
  at: string;
}

export type SlotDecision =
  | { kind: "run"; requestId: string; requestedBy: string; seed: string; draw?: Draw }
  /** A fixed schedule's slot on a blackout day: refused (`blackout`), so it is reported. */
  | { kind: "refuse"; code: "blackout"; message: string }
  /** A random-mode tick that is not the day's drawn minute, or a blackout day: nothing is due. */
  | { kind: "skip"; reason: "not-drawn" | "blackout"; message: string; draw?: Draw };

/** The requestId of a schedule's slot: one slot, one experiment, however often it fires. */
export const scheduleRequestId = (name: string, slot: string): string =>
  `schedule:${name}:${normaliseSlot(slot)}`;

/** Who asked, in every experiment a schedule starts. */
export const scheduleRequester = (name: string): string => `schedule:${name}`;

/** `2026-12-07T10:00:00.000Z` and `2026-12-07T10:00:00Z` are one slot. */
export function normaliseSlot(slot: string): string {
  return new Date(slot).toISOString().replace(/\.000Z$/, "Z");
}

/** The day's draw for one group of a random-mode schedule. */
export function drawDay(input: {
  seed: string;
  schedule: string;
  asg: string;
  date: string;
  meanDaysBetween: number;
  window: DailyWindow;
}): Draw {
  const digest = createHash("sha256")
    .update([input.seed, input.schedule, input.asg, input.date].join("\n"))
    .digest();
  const roll = digest.readUIntBE(0, 6) / 2 ** 48;
  const spot = digest.readUIntBE(6, 6) / 2 ** 48;
  const { startMinute, endMinute } = input.window;
  const minute = startMinute + Math.floor(spot * (endMinute - startMinute));
  const probability = 1 / input.meanDaysBetween;
  return {
    date: input.date,
    roll,
    probability,
    drawn: roll < probability,
    at: formatMinute(minute),
  };
}

/** Whether this slot of the schedule runs an experiment on the group, and if not, why. */
export function decideSlot(run: ScheduledRun, asg: string): SlotDecision {
  const slot = normaliseSlot(run.slot);
  const local = localTimeOf(new Date(slot), run.timeZone);
  const blackout = blackoutCovering(local.date, run.blackouts);
  const go = (draw?: Draw): SlotDecision => ({
    kind: "run",
    requestId: scheduleRequestId(run.name, slot),
    requestedBy: scheduleRequester(run.name),
    seed: `${run.seed}:${slot}`,
    ...(draw ? { draw } : {}),
  });
  const where = `${local.date} ${formatMinute(local.minute)} ${run.timeZone}`;
  if (!run.random) {
    if (!blackout) return go();
    return {
      kind: "refuse",
      code: "blackout",
      message: `not running schedule ${run.name}'s slot ${slot} (${where}): ${local.date} is in its blackout ${blackout.from}..${blackout.to}`,
    };
  }
  if (blackout) {
    return {
      kind: "skip",
      reason: "blackout",
      message: `${local.date} is in the blackout ${blackout.from}..${blackout.to}: no draw`,
    };
  }
  const draw = drawDay({
    seed: run.seed,
    schedule: run.name,
    asg,
    date: local.date,
    meanDaysBetween: run.random.meanDaysBetween,
    window: parseWindow(run.random.window),
  });
  if (draw.drawn && draw.at === formatMinute(local.minute)) return go(draw);
  return {
    kind: "skip",
    reason: "not-drawn",
    draw,
    message: draw.drawn
      ? `${asg} is drawn for ${draw.at} on ${draw.date}, not ${formatMinute(local.minute)}`
      : `${asg} is not drawn on ${draw.date}: roll ${draw.roll.toFixed(3)} ≥ ${draw.probability.toFixed(3)}`,
  };
}
