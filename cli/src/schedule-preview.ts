import {
  blackoutCovering,
  decideSlot,
  drawDay,
  fireTimes,
  formatMinute,
  localTimeOf,
  parseWindow,
  type Draw,
  type ScheduleExpression,
  type ScheduledRun,
} from "@macaque/shared/schedule";

/**
 * `macaque schedule preview`: the schedule's slots over the coming days and what
 * the producer will make of each, computed with the same functions the producer
 * uses and the recorded seed, so the preview is the schedule's future, not an
 * estimate. Pure: the clock comes in as `from`.
 */

export interface PreviewEntry {
  /** Local date. */
  date: string;
  /** The slot (UTC) that runs, or would have, on this date. */
  slot?: string;
  outcome: "runs" | "blackout" | "not-drawn";
  /** Random mode: the group this day's draw is for (a fixed slot runs on every group). */
  asg?: string;
  /** Random mode: the day's draw (why this group, why now). */
  draw?: Draw;
  why: string;
}

export interface PreviewInput {
  expression: ScheduleExpression;
  /** The schedule field of its job message (slot left as the placeholder). */
  run: Omit<ScheduledRun, "slot">;
  /** The schedule's group, or the groups its selector matches now (sorted). */
  groups: readonly string[];
  from: Date;
  days: number;
  /** A rate schedule counts its periods from its creation. */
  anchor?: Date;
}

export function previewSchedule(input: PreviewInput): PreviewEntry[] {
  const { run, groups } = input;
  const until = new Date(input.from.getTime() + input.days * 86_400_000);
  const slots = fireTimes(input.expression, {
    timeZone: run.timeZone,
    after: input.from,
    until,
    ...(input.anchor ? { anchor: input.anchor } : {}),
    limit: 200_000,
  });
  if (!run.random) {
    return slots.map((at) => {
      // A fixed slot's decision is the same for every group: only blackouts refuse it.
      const decision = decideSlot({ ...run, slot: slotText(at) }, groups[0] ?? "");
      const { date } = localTimeOf(at, run.timeZone);
      return decision.kind === "run"
        ? { date, slot: slotText(at), outcome: "runs", why: `requestId ${decision.requestId}` }
        : {
            date,
            slot: slotText(at),
            outcome: "blackout",
            why: "message" in decision ? decision.message : "",
          };
    });
  }
  // Random mode: one entry per day that has ticks and group, with its draw.
  const byDate = new Map<string, Date[]>();
  for (const at of slots) {
    const { date } = localTimeOf(at, run.timeZone);
    byDate.set(date, [...(byDate.get(date) ?? []), at]);
  }
  return [...byDate].flatMap(([date, ticks]): PreviewEntry[] => {
    const blackout = blackoutCovering(date, run.blackouts);
    if (blackout) {
      return [
        {
          date,
          outcome: "blackout",
          why: `in the blackout ${blackout.from}..${blackout.to}: no draw`,
        },
      ];
    }
    return groups.map((asg) => drawEntry(run, asg, date, ticks));
  });
}

/** One group's draw for one day of a random-mode schedule, confirmed by the producer's decision. */
function drawEntry(
  run: Omit<ScheduledRun, "slot">,
  asg: string,
  date: string,
  ticks: readonly Date[],
): PreviewEntry {
  const draw = drawDay({
    seed: run.seed,
    schedule: run.name,
    asg,
    date,
    meanDaysBetween: run.random!.meanDaysBetween,
    window: parseWindow(run.random!.window),
  });
  const odds = `roll ${draw.roll.toFixed(3)} ${draw.drawn ? "<" : "≥"} 1/${run.random!.meanDaysBetween} = ${draw.probability.toFixed(3)}`;
  // The tick at the drawn minute, confirmed by the producer's own decision.
  const tick = ticks.find((at) => formatMinute(localTimeOf(at, run.timeZone).minute) === draw.at);
  const runs =
    draw.drawn && tick && decideSlot({ ...run, slot: slotText(tick) }, asg).kind === "run";
  if (runs) {
    return {
      date,
      slot: slotText(tick),
      outcome: "runs",
      asg,
      draw,
      why: `drawn: ${odds}, minute ${draw.at}`,
    };
  }
  const missing = draw.drawn ? `; drawn for ${draw.at}, which is not among the ticks ahead` : "";
  return { date, outcome: "not-drawn", asg, draw, why: `not drawn: ${odds}${missing}` };
}

/**
 * The preview as a table. `target` names what a fixed slot runs on (the group, or
 * "every group tagged ..."); a random-mode line names its group when there are several.
 */
export function formatPreview(
  entries: PreviewEntry[],
  target: string,
  timeZone: string,
  groups = 1,
): string {
  if (entries.length === 0) return "no slots in that period\n";
  const rows = entries.map((e) => {
    const at = e.slot ? `${localClock(e.slot, timeZone)} (${e.slot})` : "-";
    const what =
      e.outcome === "runs"
        ? `runs on ${e.asg ?? target}`
        : groups > 1 && e.asg
          ? `${e.outcome}: ${e.asg}`
          : e.outcome;
    return { e, at, what };
  });
  const width = Math.max(16, ...rows.map((r) => r.what.length));
  const lines = rows.map(
    ({ e, at, what }) => `${e.date}  ${at.padEnd(34)}  ${what.padEnd(width)}  ${e.why}`,
  );
  const runs = entries.filter((e) => e.outcome === "runs").length;
  const days = new Set(entries.map((e) => e.date)).size;
  const over = groups > 1 ? ` over ${groups} groups` : "";
  return `${lines.join("\n")}\n${runs} run(s) in ${days} day(s) with slots${over}\n`;
}

const slotText = (at: Date) => at.toISOString().replace(/\.000Z$/, "Z");

function localClock(slot: string, timeZone: string): string {
  return `${formatMinute(localTimeOf(new Date(slot), timeZone).minute)} local`;
}
