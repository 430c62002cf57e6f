import { EventType, formatInstant, type EventData } from "@macaque/shared";
import { subjectLine } from "./escape.ts";
import type { Report } from "./report.ts";

type ControlData = EventData<typeof EventType.controlHalted>;

/**
 * A halt or a resume, reported to the default recipients: everyone who gets
 * macaque's reports should know that chaos stopped, or may start again, and who
 * decided it.
 */
export function buildControlReport(
  type: typeof EventType.controlHalted | typeof EventType.controlResumed,
  subject: string,
  data: ControlData,
): Report {
  const halted = type === EventType.controlHalted;
  const what = halted ? "HALTED" : "resumed";
  const reason = data.reason || "no reason given";
  return {
    kind: "control",
    experimentId: subject,
    subject: subjectLine("kill switch", halted ? ": HALTED - no experiment will run" : ": resumed"),
    title: halted ? "macaque is halted" : "macaque is resumed",
    status: halted
      ? { label: "Halted - every new request and pending order is refused", tone: "bad" }
      : { label: "Resumed - experiments may run again", tone: "good" },
    facts: [
      { label: halted ? "Halted by" : "Resumed by", value: data.by },
      { label: "At", value: formatInstant(data.at) },
      { label: "Reason", value: reason },
      { label: "Switch", value: data.parameter },
    ],
    sections: [
      {
        kind: "note",
        title: "What this means",
        text: halted
          ? "The producer refuses every new request (halted) and the terminator refuses every order it has not carried out. Experiments already terminated are still measured and reported. macaque resume lifts the halt."
          : "The producer plans new requests again and the terminator carries out their orders.",
      },
    ],
    summary: [`macaque ${what} by ${data.by} at ${data.at}: ${reason}`],
  };
}
