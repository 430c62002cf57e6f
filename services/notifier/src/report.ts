import type { ReportKind } from "@macaque/shared";
import type { TimelineChart } from "./timeline.ts";

/**
 * A report as plain data: every string in it is plain text. The text and HTML
 * renderers draw the same report, and only the HTML renderer knows markup, so
 * nothing a requester wrote can reach an email unescaped.
 */

/** Colours the status badge: good (recovered, PASS), bad (failed, FAIL), warn, info. */
export type Tone = "good" | "bad" | "warn" | "info";

export interface Fact {
  label: string;
  value: string;
  tone?: Tone;
}

export type Section =
  | { kind: "facts"; title: string; facts: Fact[] }
  | { kind: "list"; title: string; items: string[]; empty: string }
  | { kind: "table"; title: string; columns: string[]; rows: string[][]; empty: string }
  | { kind: "preformatted"; title: string; text: string }
  | { kind: "note"; title: string; text: string }
  | { kind: "timeline"; title: string; chart: TimelineChart }
  | { kind: "bars"; title: string; bars: Bar[]; note: string };

/** One bar of a small chart: `percent` of the track, drawn with table cells in HTML. */
export interface Bar {
  label: string;
  value: string;
  percent: number;
  tone: Tone;
}

export interface Report {
  kind: ReportKind;
  experimentId: string;
  /** One line of printable ASCII under 100 characters (SNS Subject rules). */
  subject: string;
  /** Heading of the email. */
  title: string;
  status: { label: string; tone: Tone };
  /** The key figures, shown first. */
  facts: Fact[];
  sections: Section[];
  /** A few lines for the reports topic (email/SMS subscribers), subject excluded. */
  summary: string[];
}

/** What the notifier sends: the report and its three renderings. */
export interface RenderedReport {
  kind: ReportKind;
  experimentId: string;
  subject: string;
  text: string;
  html: string;
  /** The SNS message: subject line, then the summary lines. */
  summary: string;
}
