import {
  formatSelector,
  parseJobMessage,
  type JobMessage,
  type Reason,
  type SelectorJobMessage,
} from "@macaque/shared";
import {
  formatWindow,
  isTimeZone,
  parseBlackout,
  parseScheduleExpression,
  parseWindow,
  scheduleNamePattern,
  scheduleRequester,
  type ScheduleExpression,
  type ScheduledRun,
} from "@macaque/shared/schedule";
import { inFlagTerms, jobInputFromFlags, type RunFlags } from "./build-job.ts";

/**
 * `macaque schedule add` flags into what EventBridge Scheduler stores: the schedule
 * expression and time zone, and the target input, which is the job message itself
 * with a `schedule` field whose `slot` EventBridge fills in at each firing. The
 * schedule's blackouts, random-mode parameters and seed live in that field, so the
 * schedule alone holds everything the producer and `schedule preview` need.
 */

export interface ScheduleFlags extends Omit<RunFlags, "asg"> {
  asg?: string | undefined;
  cron?: string | undefined;
  rate?: string | undefined;
  window?: string | undefined;
  days?: string | undefined;
  meanDaysBetween?: string | undefined;
  timeZone?: string | undefined;
  blackout?: string[] | undefined;
  /** `Key=Value`, repeatable: every group carrying all of them (a selector), instead of --asg. */
  tag?: string[] | undefined;
}

/** A schedule's job: one group's, or a selector's (one job per matching group at each run). */
export type ScheduledJob = JobMessage | SelectorJobMessage;

/** `web` or `every group tagged team=web`: what a schedule's job terminates in. */
export const jobTarget = (job: ScheduledJob): string =>
  job.selector ? `every group tagged ${formatSelector(job.selector)}` : job.asg;

/** What CreateSchedule gets, before the queue and role are known. */
export interface ScheduleSpec {
  name: string;
  expression: ScheduleExpression;
  timeZone: string;
  /** The job message as the target input, `<aws.scheduler.scheduled-time>` in its slot. */
  input: string;
  job: ScheduledJob;
  description: string;
}

export type SpecCheck = { ok: true; spec: ScheduleSpec } | { ok: false; reasons: Reason[] };

/** EventBridge's context attribute for the slot: filled in by the Scheduler each time it fires. */
export const slotPlaceholder = "<aws.scheduler.scheduled-time>";

const rateUnits: Record<string, [string, string]> = {
  m: ["minute", "minutes"],
  h: ["hour", "hours"],
  d: ["day", "days"],
};

/** `1d`, `12h`, `30m` (or EventBridge's own `1 day`) as `rate(...)`. */
export function rateExpression(text: string): string {
  const short = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (short) {
    const value = Number(short[1]);
    const [one, many] = rateUnits[short[2]!]!;
    return `rate(${value} ${value === 1 ? one : many})`;
  }
  return `rate(${text.trim()})`;
}

/** Random mode ticks every minute of the hours its window covers, on its days. */
export function tickExpression(window: string, days: string): string {
  const { startMinute, endMinute } = parseWindow(window);
  const first = Math.floor(startMinute / 60);
  const last = Math.floor((endMinute - 1) / 60);
  return `cron(* ${first === last ? first : `${first}-${last}`} ? * ${days} *)`;
}

export function checkScheduleFlags(name: string, flags: ScheduleFlags, seed: string): SpecCheck {
  const reasons: Reason[] = [];
  const fail = (flag: string, message: string) =>
    reasons.push({ code: "invalid-flag", path: flag, message: `--${flag}: ${message}` });
  if (!scheduleNamePattern.test(name)) {
    reasons.push({
      code: "invalid-argument",
      message: `schedule name "${name}": must be 1-64 letters, digits or . _ - (EventBridge's rule)`,
    });
  }
  const tags = parseTags(flags.tag ?? [], fail);
  if ((flags.asg === undefined) === (flags.tag === undefined)) {
    fail(
      "asg",
      flags.asg === undefined
        ? "give --asg NAME (one group) or --tag Key=Value (every group carrying the tags)"
        : "give --asg or --tag, not both",
    );
  }
  if (flags.count === undefined && flags.percent === undefined) {
    fail("count", "give --count N or --percent P: a schedule has nobody to ask");
  }
  const random = flags.window !== undefined || flags.meanDaysBetween !== undefined;
  const modes = [flags.cron, flags.rate, random ? "random" : undefined].filter(Boolean);
  if (modes.length !== 1) {
    fail(
      "cron",
      "give exactly one of --cron, --rate or random mode (--window with --mean-days-between)",
    );
  }
  const timeZone = flags.timeZone ?? "UTC";
  if (!isTimeZone(timeZone))
    fail("time-zone", `"${timeZone}" is not an IANA time zone such as Europe/Dublin`);

  let expressionText: string | undefined;
  let randomPart: ScheduledRun["random"];
  if (flags.cron !== undefined) expressionText = `cron(${flags.cron.trim()})`;
  if (flags.rate !== undefined) expressionText = rateExpression(flags.rate);
  if (random && modes.length === 1) {
    const meanDays = Number(flags.meanDaysBetween);
    if (flags.window === undefined) fail("window", "is required in random mode, e.g. 09:00-15:00");
    if (flags.meanDaysBetween === undefined || !(meanDays >= 1 && meanDays <= 365)) {
      fail("mean-days-between", "give a number of days from 1 to 365, e.g. 5");
    }
    try {
      if (flags.window !== undefined) {
        const window = formatWindow(parseWindow(flags.window));
        expressionText = tickExpression(window, flags.days ?? "MON-FRI");
        randomPart = { window, meanDaysBetween: meanDays };
      }
    } catch (err) {
      fail("window", (err as Error).message);
    }
  } else if (flags.days !== undefined) {
    fail("days", "belongs to random mode; with --cron, put the days in its 5th field");
  }
  let expression: ScheduleExpression | undefined;
  if (expressionText !== undefined) {
    try {
      expression = parseScheduleExpression(expressionText);
    } catch (err) {
      fail(
        flags.cron !== undefined ? "cron" : flags.rate !== undefined ? "rate" : "days",
        (err as Error).message,
      );
    }
  }
  const blackouts = [];
  for (const text of flags.blackout ?? []) {
    try {
      blackouts.push(parseBlackout(text));
    } catch (err) {
      fail("blackout", (err as Error).message);
    }
  }

  const { input, reasons: flagReasons } = jobInputFromFlags(
    { ...flags, asg: flags.asg ?? "", seed: undefined },
    { requestId: "unused" },
  );
  reasons.push(...flagReasons);
  const { requestId: _unused, asg: _asg, ...rest } = input;
  const job = tags ? { ...rest, selector: { tags } } : { ...rest, asg: flags.asg ?? "" };
  const run: ScheduledRun = {
    name,
    slot: slotPlaceholder,
    timeZone,
    seed: flags.seed ?? seed,
    blackouts,
    ...(randomPart ? { random: randomPart } : {}),
  };
  const message = { ...job, requestedBy: scheduleRequester(name), schedule: run };
  // Checked as the producer will see it, with a slot in the placeholder's place.
  const sample = { ...message, schedule: { ...run, slot: "2030-01-01T00:00:00Z" } };
  const parsed = parseJobMessage(JSON.stringify(sample));
  if (!parsed.ok) {
    const known = new Set(reasons.map((r) => r.path));
    reasons.push(...inFlagTerms(parsed.reasons).filter((r) => !known.has(r.path)));
  }
  if (reasons.length > 0 || !parsed.ok || !expression) return { ok: false, reasons };
  return {
    ok: true,
    spec: {
      name,
      expression,
      timeZone,
      input: JSON.stringify(message),
      job: parsed.job,
      description: describeSchedule(parsed.job, expression, timeZone),
    },
  };
}

/** One line for the schedule's Description (what the console shows): macaque's summary. */
export function describeSchedule(
  job: ScheduledJob,
  expression: ScheduleExpression,
  timeZone: string,
): string {
  const how = job.count !== undefined ? `${job.count}` : `${job.percent}%`;
  const random = job.schedule?.random;
  const when = random
    ? `random mode: ${random.window} ${timeZone}, 1 day in ${random.meanDaysBetween}`
    : `${expression.text} ${timeZone}`;
  const blackouts = job.schedule?.blackouts.length ?? 0;
  return `macaque: terminate ${how} of ${jobTarget(job)} (${job.mode}); ${when}${blackouts ? `; ${blackouts} blackout(s)` : ""}`.slice(
    0,
    512,
  );
}

/** `--tag Key=Value` flags as a selector's tags; undefined when none was given. */
function parseTags(
  flags: readonly string[],
  fail: (flag: string, message: string) => void,
): Record<string, string> | undefined {
  if (flags.length === 0) return undefined;
  const tags = new Map<string, string>();
  for (const text of flags) {
    const at = text.indexOf("=");
    const key = at < 0 ? "" : text.slice(0, at);
    if (key === "") {
      fail("tag", `"${text}" is not Key=Value, e.g. --tag macaque:enabled=true`);
    } else if (tags.has(key)) {
      fail("tag", `${key} is given twice: a group carries one value per tag key`);
    } else {
      tags.set(key, text.slice(at + 1));
    }
  }
  return Object.fromEntries(tags);
}
