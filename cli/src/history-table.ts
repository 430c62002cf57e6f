import { formatDuration } from "@macaque/shared";
import type { HistoryEntry } from "@macaque/shared/history";
import { parseDuration } from "./duration.ts";
import { InvalidInputError } from "./errors.ts";

/** `--since 30d`, `12h`, `90m`, or a date (`2026-11-01`, any ISO time): the earliest start shown. */
export function parseSince(text: string, now: Date): Date {
  const days = /^(\d+(?:\.\d+)?)d$/i.exec(text.trim());
  if (days) return new Date(now.getTime() - Number(days[1]) * 86_400_000);
  const seconds = parseDuration(text);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text);
  throw new InvalidInputError(
    `--since ${text}: must be a period such as 30d, 12h or 90m, or a date such as 2026-11-01`,
  );
}

const columns = [
  "when (UTC)",
  "group",
  "victims",
  "mode",
  "outcome",
  "time to recover",
  "verdict",
  "requested by",
  "experiment",
] as const;

function cells(e: HistoryEntry): string[] {
  const ttr =
    e.timeToRecoverSeconds === null
      ? "-"
      : `${formatDuration(e.timeToRecoverSeconds)} ± ${formatDuration(e.precisionSeconds ?? 0)}${e.regression ? " REGRESSION" : ""}`;
  return [
    e.at.slice(0, 16).replace("T", " "),
    e.asg || "-",
    String(e.victims),
    e.mode || "-",
    e.outcome,
    ttr,
    e.verdict === "none" ? "-" : e.verdict.toUpperCase(),
    e.requestedBy ?? "-",
    e.experimentId,
  ];
}

/** Newest first, as listed; columns padded to their widest cell. */
export function formatHistoryTable(entries: readonly HistoryEntry[]): string[] {
  if (entries.length === 0) return ["no experiments in the archive match"];
  const rows = [[...columns], ...entries.map(cells)];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
