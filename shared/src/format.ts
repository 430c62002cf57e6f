/** How durations, instants and counts read wherever macaque words them for people: reports, the CLI, logs. */

/** `0.4 s`, `42 s`, `3 min 05 s`, `1 h 02 min`: short and unambiguous in a subject line. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "n/a";
  // Sub-second figures keep two decimals: a 0.25 s check interval is not "0.3 s".
  if (seconds < 1) return `${trimZero(seconds.toFixed(2))} s`;
  if (seconds < 10) return `${trimZero(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const h = Math.floor(whole / 3600);
  const min = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return min === 0 ? `${h} h` : `${h} h ${pad(min)} min`;
  return s === 0 ? `${min} min` : `${min} min ${pad(s)} s`;
}

/** `12.3s`, `4m 05s`, `1h 02m`: a running clock, compact and aligned, for a live view. */
export function formatClock(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3_600);
  const m = Math.floor((whole % 3_600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${pad(m)}m` : `${m}m ${pad(s)}s`;
}

/** `+42 s` from the start of an experiment. */
export const formatOffset = (seconds: number): string => `+${formatDuration(seconds)}`;

/** `2025-11-26 04:21:07 UTC`: one time zone for every reader of a shared report. */
export function formatInstant(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Seconds from `fromIso` to `toIso`, never negative (clocks of different hosts). */
export function secondsBetween(fromIso: string, toIso: string): number {
  return Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / 1000);
}

/** `1 instance`, `3 instances`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const pad = (n: number): string => String(n).padStart(2, "0");
const trimZero = (s: string): string => s.replace(/\.?0+$/, "");

/** What a recovery.completed says about the error of its time to recover. */
export interface StatedPrecision {
  checkIntervalSeconds: number;
  precisionSeconds?: number | undefined;
  timeToRecoverBounds?: { lowerSeconds: number; upperSeconds: number } | undefined;
  detectedBy?: "event" | "check" | undefined;
}

/** The error bar stated: the measured one, or (from older monitors) the check interval. */
export function formatStatedError(stated: StatedPrecision): string {
  const error = stated.precisionSeconds ?? stated.checkIntervalSeconds;
  return error < 0.01 ? "< 0.01 s" : formatDuration(error);
}

/**
 * `true time between 3.1 s and 3.3 s; dated by a launch event`: where the monitor
 * saw the true time to recover lie (a late check widens it); undefined from a
 * monitor that sent no bounds.
 */
export function formatBounds(stated: StatedPrecision): string | undefined {
  const { precisionSeconds, timeToRecoverBounds: bounds } = stated;
  if (precisionSeconds === undefined || bounds === undefined) return undefined;
  const by = stated.detectedBy === "event" ? "dated by a launch event" : "seen by a check";
  // The bounds keep the decimals the error needs: 41.9-42.0 s, not 42-42 s.
  const digits = precisionSeconds < 0.1 ? 2 : precisionSeconds < 10 ? 1 : 0;
  const at = (t: number) => (t < 60 ? `${t.toFixed(digits)} s` : formatDuration(t));
  return `true time between ${at(bounds.lowerSeconds)} and ${at(bounds.upperSeconds)}; ${by}`;
}

/** `± 0.12 s (true time between 3.1 s and 3.3 s; dated by a launch event)`, or `± 10 s (the check interval)`. */
export function formatPrecision(stated: StatedPrecision): string {
  return `± ${formatStatedError(stated)} (${formatBounds(stated) ?? "the check interval"})`;
}
