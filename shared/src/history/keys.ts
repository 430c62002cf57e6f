/**
 * The archive's layout in S3, one home for the notifier (writes), the monitor
 * and the CLI (read):
 *
 *   experiments/asg=<group>/date=<yyyy-mm-dd>/<experimentId>.json   the record (one JSON line)
 *   index/asg=<group>/<entry>                                        one empty object per experiment
 *   index/all/<entry>                                                the same, every group
 *   index/id/<experimentId>                                          the record's key, for `show`
 *   decisions/<experimentId>.json      the producer's first decision (its own, not the archive's)
 *   results/<experimentId>.json        the terminator's first result (its own, not the archive's)
 *
 * An entry's key is the row of `macaque history`: it starts with the start time
 * inverted (9999999999999 − epoch ms, 13 digits), so S3's ascending listing is
 * newest first, and carries every column after it, so a listing answers
 * `history` and `trend` without reading a record. Keys are deterministic, so a
 * redelivered event writes the same objects again, never a second one.
 */

export const recordsPrefix = "experiments/";
export const indexPrefix = "index/";
const allPrefix = `${indexPrefix}all/`;
const byIdPrefix = `${indexPrefix}id/`;

/** One experiment as the index lists it: a row of `macaque history`. */
export interface HistoryEntry {
  /** When it started (planned, or rejected). */
  at: string;
  experimentId: string;
  /** The group; "" when a rejected request named none. */
  asg: string;
  /** recovered, not-recovered, rejected, dry-run, termination-failed (or a later outcome). */
  outcome: string;
  verdict: string;
  /** ec2, asg, or "" when never planned. */
  mode: string;
  victims: number;
  timeToRecoverSeconds: number | null;
  /** The check interval: the precision of the time to recover. */
  precisionSeconds: number | null;
  /** The recovery-monitor judged the run a regression. */
  regression: boolean;
  requestedBy?: string;
}

/** Group names may hold any character; keys and Athena's partition values get them percent-encoded. */
export const encodeKeyPart = (value: string): string =>
  encodeURIComponent(value).replaceAll("~", "%7E");
const decodeKeyPart = (value: string): string => decodeURIComponent(value);

/** A rejected request without a group is filed under this partition. */
export const noGroupPartition = "-";

const partitionOf = (asg: string): string => (asg === "" ? noGroupPartition : encodeKeyPart(asg));

export const groupIndexPrefix = (asg: string): string => `${indexPrefix}asg=${partitionOf(asg)}/`;
export const indexPrefixFor = (asg: string | undefined): string =>
  asg === undefined ? allPrefix : groupIndexPrefix(asg);

export function recordKey(entry: Pick<HistoryEntry, "asg" | "at" | "experimentId">): string {
  return `${recordsPrefix}asg=${partitionOf(entry.asg)}/date=${entry.at.slice(0, 10)}/${encodeKeyPart(entry.experimentId)}.json`;
}

export const idPointerKey = (experimentId: string): string =>
  `${byIdPrefix}${encodeKeyPart(experimentId)}`;

const maxEpochMs = 9_999_999_999_999;
const fieldSeparator = "~";

const seconds = (value: number | null): string =>
  value === null ? "-" : String(Math.round(value * 1000));
const fromMs = (value: string): number | null => (value === "-" ? null : Number(value) / 1000);

/** The entry's name under an index prefix. */
export function entryName(entry: HistoryEntry): string {
  const inverted = String(maxEpochMs - Date.parse(entry.at)).padStart(13, "0");
  return [
    inverted,
    encodeKeyPart(entry.experimentId),
    encodeKeyPart(entry.outcome),
    encodeKeyPart(entry.verdict),
    encodeKeyPart(entry.mode) || "-",
    String(entry.victims),
    seconds(entry.timeToRecoverSeconds),
    seconds(entry.precisionSeconds),
    entry.regression ? "R" : "-",
    partitionOf(entry.asg),
    entry.requestedBy === undefined ? "-" : `u${encodeKeyPart(entry.requestedBy)}`,
  ].join(fieldSeparator);
}

/** Both index keys of an experiment: its group's and the all-groups one. */
export const indexKeys = (entry: HistoryEntry): string[] => [
  groupIndexPrefix(entry.asg) + entryName(entry),
  allPrefix + entryName(entry),
];

/** The entry an index key names, or undefined for a key that is not one. */
export function parseIndexKey(key: string): HistoryEntry | undefined {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const parts = name.split(fieldSeparator);
  if (parts.length !== 11 || !/^\d{13}$/.test(parts[0]!)) return undefined;
  const [inverted, id, outcome, verdict, mode, victims, ttr, precision, flags, asg, by] = parts as [
    string,
    ...string[],
  ] & { length: 11 };
  return {
    at: new Date(maxEpochMs - Number(inverted)).toISOString(),
    experimentId: decodeKeyPart(id!),
    asg: asg === noGroupPartition ? "" : decodeKeyPart(asg!),
    outcome: decodeKeyPart(outcome!),
    verdict: decodeKeyPart(verdict!),
    mode: mode === "-" ? "" : decodeKeyPart(mode!),
    victims: Number(victims),
    timeToRecoverSeconds: fromMs(ttr!),
    precisionSeconds: fromMs(precision!),
    regression: flags === "R",
    ...(by !== "-" && { requestedBy: decodeKeyPart(by!.slice(1)) }),
  };
}

/**
 * The index key an entry at `since` would have: listing with it as StartAfter
 * is wrong (that skips newer ones), so callers stop paging once a key sorts
 * after this one.
 */
export function sinceBoundary(prefix: string, since: Date): string {
  return prefix + String(maxEpochMs - since.getTime()).padStart(13, "0") + "~\uffff";
}

/**
 * The history bucket the sandbox and compose create for a name prefix:
 * `chaos-history`. (Production names its bucket itself: S3 names are global.)
 */
export const localHistoryBucket = (prefix: string): string =>
  `${prefix.toLowerCase().replaceAll("_", "-")}-history`.replace(/^-+/, "");
