import { Cron } from "croner";

/**
 * EventBridge Scheduler's schedule expressions, read the way Scheduler reads them,
 * so `macaque schedule list` and the sandbox's stand-in agree with AWS on when a
 * schedule fires. Croner does the calendar work (time zones, daylight saving, `L`,
 * `W`, `#`); this module only translates. EventBridge's cron has six fields
 * (minutes hours day-of-month month day-of-week year), numbers its weekdays 1-7
 * from Sunday (Quartz's convention, croner's `alternativeWeekdays`), and wants `?`
 * in exactly one of day-of-month and day-of-week.
 */

export type ScheduleExpression =
  | { kind: "cron"; fields: string[]; text: string }
  | { kind: "rate"; value: number; unit: RateUnit; everyMs: number; text: string }
  | { kind: "at"; at: string; text: string };

export type RateUnit = "minute" | "minutes" | "hour" | "hours" | "day" | "days";

const unitMs: Record<RateUnit, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

export class ScheduleExpressionError extends Error {
  override name = "ScheduleExpressionError";
}

/** Parses `cron(...)`, `rate(...)` or `at(...)`; throws a ScheduleExpressionError saying what is wrong. */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const match = /^(cron|rate|at)\((.*)\)$/.exec(text.trim());
  if (!match) {
    throw new ScheduleExpressionError(
      `"${text}" is not a schedule expression: write cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)`,
    );
  }
  const [, kind, body] = match as unknown as [string, "cron" | "rate" | "at", string];
  if (kind === "rate") return parseRate(body.trim(), text);
  if (kind === "at") {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body.trim())) {
      throw new ScheduleExpressionError(`at(${body}): write at(yyyy-mm-ddThh:mm:ss)`);
    }
    return { kind: "at", at: body.trim(), text };
  }
  return parseCron(body.trim(), text);
}

function parseRate(body: string, text: string): ScheduleExpression {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) {
    throw new ScheduleExpressionError(
      `rate(${body}): write rate(value unit), unit minute(s), hour(s) or day(s), e.g. rate(1 day)`,
    );
  }
  const value = Number(match[1]);
  const unit = match[2] as RateUnit;
  if (value < 1) throw new ScheduleExpressionError(`rate(${body}): the value must be at least 1`);
  if ((value === 1) !== !unit.endsWith("s")) {
    throw new ScheduleExpressionError(
      `rate(${body}): EventBridge wants the singular unit for 1 and the plural otherwise (rate(1 day), rate(5 days))`,
    );
  }
  return { kind: "rate", value, unit, everyMs: value * unitMs[unit], text };
}

function parseCron(body: string, text: string): ScheduleExpression {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `cron(${body}) has ${fields.length} fields; EventBridge's cron has 6: minutes hours day-of-month month day-of-week year`,
    );
  }
  const [, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw new ScheduleExpressionError(
      `cron(${body}): put ? in exactly one of day-of-month (3rd field) and day-of-week (5th), as EventBridge requires`,
    );
  }
  const expression: ScheduleExpression = { kind: "cron", fields, text };
  try {
    cronOf(expression, "UTC");
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err);
    throw new ScheduleExpressionError(`cron(${body}): ${detail}`);
  }
  return expression;
}

function cronOf(expression: ScheduleExpression & { kind: "cron" }, timeZone: string): Cron {
  return new Cron(`0 ${expression.fields.join(" ")}`, {
    timezone: timeZone,
    mode: "7-part",
    alternativeWeekdays: true,
    sloppyRanges: true,
    paused: true,
  });
}

export interface FireTimesOptions {
  timeZone: string;
  /** Fire times strictly after this instant. */
  after: Date;
  /** Up to and including this instant. */
  until: Date;
  /** A rate schedule counts its periods from here (its start date, else its creation). */
  anchor?: Date;
  /** At most this many (default 10,000). */
  limit?: number;
}

/** When a schedule with this expression fires in (after, until], in order. */
export function fireTimes(expression: ScheduleExpression, options: FireTimesOptions): Date[] {
  const { after, until, timeZone } = options;
  const limit = options.limit ?? 10_000;
  const out: Date[] = [];
  if (expression.kind === "at") {
    const at = zonedLocalTime(expression.at, timeZone);
    if (at > after && at <= until) out.push(at);
    return out;
  }
  if (expression.kind === "rate") {
    const anchor = (options.anchor ?? after).getTime();
    const k = Math.max(0, Math.floor((after.getTime() - anchor) / expression.everyMs) + 1);
    for (let t = anchor + k * expression.everyMs; t <= until.getTime() && out.length < limit;) {
      out.push(new Date(t));
      t += expression.everyMs;
    }
    return out;
  }
  const cron = cronOf(expression, timeZone);
  let previous = after;
  while (out.length < limit) {
    const next = cron.nextRun(previous);
    if (!next || next > until) break;
    out.push(next);
    previous = next;
  }
  return out;
}

/** The next fire time after `after`, within a year, or undefined when there is none. */
export function nextFireTime(
  expression: ScheduleExpression,
  options: Omit<FireTimesOptions, "until" | "limit">,
): Date | undefined {
  const until = new Date(options.after.getTime() + 366 * 86_400_000);
  return fireTimes(expression, { ...options, until, limit: 1 })[0];
}

/** `2026-12-24T10:00:00` read as a wall-clock time in the zone (what `at(...)` means). */
function zonedLocalTime(local: string, timeZone: string): Date {
  const [date, time] = local.split("T") as [string, string];
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [h, mi, s] = time.split(":").map(Number) as [number, number, number];
  const cron = new Cron(`${s} ${mi} ${h} ${d} ${mo} ? ${y}`, {
    timezone: timeZone,
    mode: "7-part",
    paused: true,
  });
  return cron.nextRun(new Date(Date.UTC(y, mo - 1, d) - 2 * 86_400_000)) ?? new Date(NaN);
}

/** Whether a name is an IANA time zone this runtime knows (what ScheduleExpressionTimezone takes). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
