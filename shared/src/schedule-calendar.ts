/**
 * Local dates and times of a schedule: which calendar day a slot falls on in the
 * schedule's time zone, and whether that day is blacked out. Pure: every instant
 * comes in as an argument, so daylight-saving changes are tested with fixed clocks.
 */

/** A run of calendar days (inclusive, `YYYY-MM-DD`, in the schedule's time zone). */
export interface Blackout {
  from: string;
  to: string;
}

/** A daily window in local time, minutes after midnight: [start, end). */
export interface DailyWindow {
  startMinute: number;
  endMinute: number;
}

export interface LocalTime {
  /** `YYYY-MM-DD` */
  date: string;
  /** Minutes after local midnight. */
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day and minute of an instant on the wall clocks of a time zone. */
export function localTimeOf(instant: Date, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    date: `${get("year")}-${get("month")}-${get("day")}`,
    minute: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

/** The blackout that covers a local date, if any. */
export function blackoutCovering(
  date: string,
  blackouts: readonly Blackout[],
): Blackout | undefined {
  return blackouts.find((b) => b.from <= date && date <= b.to);
}

/** `2026-12-24..2027-01-02` (or one day, `2026-12-25`) as a Blackout; throws naming the problem. */
export function parseBlackout(text: string): Blackout {
  const [from = "", to = from, extra] = text.trim().split("..");
  if (extra !== undefined || !from) {
    throw new Error(
      `"${text}" is not a blackout: write FROM..TO as dates, e.g. 2026-12-24..2027-01-02`,
    );
  }
  for (const date of [from, to]) {
    if (!isCalendarDate(date)) {
      throw new Error(`"${text}": ${date} is not a calendar date (YYYY-MM-DD)`);
    }
  }
  if (from > to) throw new Error(`"${text}": the blackout ends (${to}) before it starts (${from})`);
  return { from, to };
}

export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** `09:00-15:00` as a DailyWindow; throws naming the problem. */
export function parseWindow(text: string): DailyWindow {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a window: write HH:MM-HH:MM, e.g. 09:00-15:00`);
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 > 0)) {
    throw new Error(`"${text}": hours are 00-23 (24:00 ends a day) and minutes 00-59`);
  }
  const window = { startMinute: h1 * 60 + m1, endMinute: h2 * 60 + m2 };
  if (window.endMinute <= window.startMinute) {
    throw new Error(`"${text}": the window must end after it starts, on the same day`);
  }
  return window;
}

/** Minutes after midnight as `HH:MM`. */
export function formatMinute(minute: number): string {
  const h = String(Math.floor(minute / 60)).padStart(2, "0");
  return `${h}:${String(minute % 60).padStart(2, "0")}`;
}

export function formatWindow(window: DailyWindow): string {
  return `${formatMinute(window.startMinute)}-${formatMinute(window.endMinute)}`;
}
