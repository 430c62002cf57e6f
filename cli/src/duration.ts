/**
 * Durations as people type them: `90s`, `5m`, `1h30m`, `1.5s`, `500ms`, or a
 * plain number of seconds. Units go from large to small, each at most once.
 */

const unitSeconds = { h: 3_600, m: 60, s: 1, ms: 0.001 } as const;
type Unit = keyof typeof unitSeconds;
const order: Unit[] = ["h", "m", "s", "ms"];

const plainSeconds = /^\d+(\.\d+)?$/;
const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;

/** Seconds in `text`, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const input = text.trim().toLowerCase();
  if (plainSeconds.test(input)) return Number(input);
  if (input === "") return undefined;
  let seconds = 0;
  let lastUnit = -1;
  part.lastIndex = 0;
  while (part.lastIndex < input.length) {
    const at = part.lastIndex;
    const match = part.exec(input);
    if (!match || match.index !== at) return undefined;
    const unit = order.indexOf(match[2] as Unit);
    if (unit <= lastUnit) return undefined;
    lastUnit = unit;
    seconds += Number(match[1]) * unitSeconds[match[2] as Unit];
  }
  // Float sums such as 0.1 + 0.2 are rounded back to the millisecond people typed.
  return Math.round(seconds * 1_000) / 1_000;
}

/** `12.3s`, `4m 05s`, `1h 02m`: short and aligned enough for a live view. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3_600);
  const m = Math.floor((whole % 3_600) / 60);
  const s = whole % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m` : `${m}m ${pad(s)}s`;
}

/** `15m`, `10s`, `1h30m`, `0.5s`: as a person would type it, so help text reads back through parseDuration. */
export function formatFlagDuration(seconds: number): string {
  const whole = Math.floor(seconds);
  const rest = Math.round((seconds - whole) * 1_000) / 1_000;
  const h = Math.floor(whole / 3_600);
  const m = Math.floor((whole % 3_600) / 60);
  const s = (whole % 60) + rest;
  const text = `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
  return text || "0s";
}
