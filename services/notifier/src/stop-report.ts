import { describeBreach, formatInstant, type AlarmBreach } from "@macaque/shared";
import type { Section } from "./report.ts";

/**
 * What a report of an experiment stopped by its alarms (outcome `stopped`) adds:
 * each alarm, when it fired and CloudWatch's reason, so the reader knows what
 * hurt and since when; the rest of the report is what was measured until then.
 */
export function stopConditionSection(breaches: readonly AlarmBreach[]): Section {
  return {
    kind: "table",
    title: "Stopped by",
    columns: ["Alarm", "State", "Fired at", "Reason"],
    rows: breaches.map((b) => [
      b.alarm,
      b.kind === "in-alarm" ? (b.state ?? "ALARM") : b.kind,
      b.firedAt ? formatInstant(b.firedAt) : "",
      b.reason,
    ]),
    empty: "no alarm named",
  };
}

/** `stopped by alarm web-5xx` for the subject and the badge; more than one: how many. */
export function stopHeadline(breaches: readonly AlarmBreach[]): string {
  const [first] = breaches;
  if (!first) return "stopped";
  return breaches.length === 1
    ? `stopped by alarm ${first.alarm}`
    : `stopped by ${breaches.length} alarms`;
}

export const stopSummary = (breaches: readonly AlarmBreach[]): string[] =>
  breaches.map((b) => `Stopped: ${describeBreach(b)}`);
