import { formatDuration, formatOffset } from "@macaque/shared";
import { escapeHtml as esc, printableLines } from "./escape.ts";
import type { Fact, Report, Section, Tone } from "./report.ts";
import type { Bar } from "./report.ts";
import type { PhaseStyle, TimelineChart, TimelinePhase } from "./timeline.ts";

/**
 * The HTML part of the email. Mail clients strip <style>, scripts and SVG and
 * often block remote images, so layout is nested tables with inline styles (and
 * `bgcolor`/`width` attributes for Outlook's Word engine); the timeline's bars
 * are coloured table cells whose widths are percentages of the experiment.
 * Every string from the report is escaped here and nowhere else.
 */

const font = "font-family:Arial,Helvetica,sans-serif;";
const text = "#172b4d";
const muted = "#5e6c84";
const border = "#dfe1e6";

const tones: Record<Tone, { fg: string; bg: string }> = {
  good: { fg: "#1b6e3c", bg: "#e3f5ea" },
  bad: { fg: "#b42318", bg: "#fdecea" },
  warn: { fg: "#8a5a00", bg: "#fff4d6" },
  info: { fg: "#1f4e8c", bg: "#e6effa" },
};

const phaseColours: Record<PhaseStyle, string> = {
  launch: "#f0a30a",
  boot: "#2f80ed",
  health: "#27ae60",
  serving: "#0f9d9a",
  settle: "#1b6e3c",
  missing: "#b0b7c3",
};

const table = (attrs: string, body: string): string =>
  `<table role="presentation" cellpadding="0" cellspacing="0" border="0" ${attrs}>${body}</table>`;

export function renderHtml(report: Report, preheader: string): string {
  const tone = tones[report.status.tone];
  const rows = [
    `<tr><td style="padding:20px 24px 8px;${font}font-size:20px;font-weight:bold;color:${text};">${esc(report.title)}</td></tr>`,
    `<tr><td style="padding:0 24px 16px;">${table(
      "",
      `<tr><td bgcolor="${tone.bg}" style="background:${tone.bg};color:${tone.fg};${font}font-size:14px;font-weight:bold;padding:6px 12px;border-radius:4px;">${esc(report.status.label)}</td></tr>`,
    )}</td></tr>`,
    block(factsTable(report.facts)),
    ...report.sections.map((s) => block(`${heading(s.title)}${sectionHtml(s)}`)),
    `<tr><td style="padding:16px 24px 20px;border-top:1px solid ${border};${font}font-size:11px;color:${muted};">macaque chaos report &middot; experiment ${esc(report.experimentId)}</td></tr>`,
  ];
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(report.subject)}</title></head>`,
    `<body style="margin:0;padding:0;background:#f4f5f7;">`,
    `<div style="display:none;max-height:0;overflow:hidden;">${esc(preheader)}</div>`,
    table(
      'width="100%" bgcolor="#f4f5f7" style="background:#f4f5f7;"',
      `<tr><td align="center" style="padding:24px 12px;">${table(
        `width="640" bgcolor="#ffffff" style="width:100%;max-width:640px;background:#ffffff;border:1px solid ${border};"`,
        rows.join("\n"),
      )}</td></tr>`,
    ),
    "</body></html>",
    "",
  ].join("\n");
}

const block = (inner: string): string => `<tr><td style="padding:8px 24px;">${inner}</td></tr>`;

const heading = (title: string): string =>
  `<div style="${font}font-size:15px;font-weight:bold;color:${text};padding:8px 0 6px;">${esc(title)}</div>`;

const cell = (content: string, style = ""): string =>
  `<td style="${font}font-size:13px;color:${text};padding:4px 8px 4px 0;vertical-align:top;${style}">${content}</td>`;

function factsTable(facts: Fact[]): string {
  const rows = facts.map((f) => {
    const value = f.tone
      ? `<strong style="color:${tones[f.tone].fg};">${esc(f.value)}</strong>`
      : esc(f.value);
    return `<tr>${cell(esc(f.label), `color:${muted};white-space:nowrap;width:160px;`)}${cell(value, "word-break:break-word;")}</tr>`;
  });
  return table('width="100%"', rows.join(""));
}

function sectionHtml(section: Section): string {
  switch (section.kind) {
    case "facts":
      return factsTable(section.facts);
    case "list":
      return section.items.length === 0
        ? note(section.empty)
        : `<ul style="margin:0;padding-left:20px;${font}font-size:13px;color:${text};">${section.items
            .map((item) => `<li style="padding:2px 0;word-break:break-word;">${esc(item)}</li>`)
            .join("")}</ul>`;
    case "table":
      return section.rows.length === 0
        ? note(section.empty)
        : dataTable(section.columns, section.rows);
    case "preformatted":
      return `<pre style="margin:0;padding:8px;background:#f4f5f7;border:1px solid ${border};white-space:pre-wrap;word-break:break-all;font-family:Consolas,Menlo,monospace;font-size:12px;color:${text};">${printableLines(section.text).map(esc).join("\n")}</pre>`;
    case "note":
      return note(section.text);
    case "timeline":
      return timelineHtml(section.chart);
    case "bars":
      return barsHtml(section.bars, section.note);
  }
}

const note = (content: string): string =>
  `<div style="${font}font-size:13px;color:${muted};">${esc(content)}</div>`;

function dataTable(columns: string[], rows: string[][]): string {
  const th = columns
    .map(
      (c) =>
        `<th align="left" style="${font}font-size:12px;color:${muted};padding:4px 12px 4px 0;border-bottom:1px solid ${border};">${esc(c)}</th>`,
    )
    .join("");
  const body = rows.map(
    (r) =>
      `<tr>${r.map((c) => cell(esc(c), "padding-right:12px;word-break:break-word;")).join("")}</tr>`,
  );
  return table('width="100%"', `<tr>${th}</tr>${body.join("")}`);
}

/**
 * A small bar chart as table cells: Gmail and Outlook drop inline SVG, but
 * every mail client draws a cell with a width and a background colour.
 */
function barsHtml(bars: readonly Bar[], caption: string): string {
  const rows = bars.map((b) => {
    const colour = tones[b.tone].fg;
    const fill = `<td class="run-bar" width="${b.percent}%" bgcolor="${colour}" style="width:${b.percent}%;background:${colour};height:10px;line-height:10px;font-size:1px;">&nbsp;</td>`;
    const rest =
      b.percent < 100
        ? `<td width="${100 - b.percent}%" style="width:${100 - b.percent}%;font-size:1px;">&nbsp;</td>`
        : "";
    return `<tr>${cell(esc(b.label), "width:30%;font-size:12px;white-space:nowrap;vertical-align:middle;")}<td width="55%" style="padding:3px 0;vertical-align:middle;">${table(
      'width="100%" bgcolor="#eef0f3" style="background:#eef0f3;border-collapse:collapse;table-layout:fixed;"',
      `<tr>${fill}${rest}</tr>`,
    )}</td>${cell(esc(b.value), "font-size:12px;white-space:nowrap;padding-left:8px;vertical-align:middle;")}</tr>`;
  });
  return table('width="100%"', rows.join("")) + (caption ? note(caption) : "");
}

/** One row per phase: label, a bar placed on a 100% track, and its times. */
function timelineHtml(chart: TimelineChart): string {
  if (chart.phases.length === 0) return note("No milestone was recorded.");
  const rows = chart.phases.map(
    (p) =>
      `<tr>${cell(esc(p.label), "width:34%;font-size:12px;vertical-align:middle;")}<td width="48%" style="padding:4px 0;vertical-align:middle;">${bar(p)}</td>${cell(
        esc(phaseTimes(p)),
        "font-size:12px;white-space:nowrap;padding-left:8px;vertical-align:middle;",
      )}</tr>`,
  );
  const axis = `<tr><td></td><td style="padding:0;">${table(
    'width="100%"',
    `<tr><td align="left" style="${font}font-size:11px;color:${muted};">0 s</td><td align="right" style="${font}font-size:11px;color:${muted};">${esc(formatDuration(chart.totalSeconds))}</td></tr>`,
  )}</td><td></td></tr>`;
  return table('width="100%"', rows.join("") + axis);
}

function bar(phase: TimelinePhase): string {
  const filler = (width: number) =>
    `<td width="${width}%" style="width:${width}%;height:14px;line-height:14px;font-size:1px;">&nbsp;</td>`;
  const colour = phaseColours[phase.style];
  const rest = 100 - phase.startPercent - phase.widthPercent;
  const cells = [
    phase.startPercent > 0 ? filler(phase.startPercent) : "",
    phase.widthPercent > 0
      ? `<td class="bar bar-${phase.style}" width="${phase.widthPercent}%" bgcolor="${colour}" style="width:${phase.widthPercent}%;background:${colour};height:14px;line-height:14px;font-size:1px;">&nbsp;</td>`
      : "",
    rest > 0 ? filler(rest) : "",
  ];
  return table(
    'width="100%" bgcolor="#eef0f3" style="background:#eef0f3;border-collapse:collapse;table-layout:fixed;"',
    `<tr>${cells.join("")}</tr>`,
  );
}

const phaseTimes = (p: TimelinePhase): string =>
  p.reached
    ? `${formatOffset(p.startSeconds)} to ${formatOffset(p.endSeconds)} (${formatDuration(p.endSeconds - p.startSeconds)})`
    : `not reached by ${formatOffset(p.endSeconds)}`;
