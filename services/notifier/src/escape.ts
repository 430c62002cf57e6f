/**
 * Everything a report shows can come from a requester (group names, requestedBy,
 * reasons quoting their input, the body they sent), so every string goes through
 * one of these on its way into HTML or a subject line.
 */

const htmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Control characters and Unicode line/paragraph separators: none may reach a report as itself. */
const controlCharacters = /[\p{Cc}\u2028\u2029]/gu;

/**
 * One line of text, whatever the requester wrote: every control character (CR and
 * LF included) is shown as its JSON escape (`\n`, `\u001b`), so a value can never
 * start a line of its own in an email ("Subject: ...") or move a terminal's cursor.
 */
export function printable(text: string): string {
  return text.replace(controlCharacters, (c) => namedEscapes[c] ?? unicodeEscape(c));
}

const namedEscapes: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** A block shown as preformatted lines: its line breaks are kept, every other control character escaped. */
export function printableLines(text: string): string[] {
  return text.split(/\r?\n/).map(printable);
}

/** Escapes text for HTML element content and quoted attribute values alike (control characters too). */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"'`]/g, (c) => htmlEntities[c] ?? c);
}

/** SNS allows fewer than 100 characters in a Subject. */
export const maxSubjectLength = 99;

/**
 * One line of printable ASCII, as an SNS Subject requires (SES accepts more, but
 * both carry the same subject): control characters and line breaks become spaces,
 * anything else outside ASCII becomes `?`, runs of spaces collapse.
 */
export function toSubjectText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, " ")
    .replace(/[^\x20-\x7e]/gu, "?")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** Shortens text to `max` characters, marking the cut with `...`. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 3) return ".".repeat(Math.max(0, max));
  return `${text.slice(0, max - 3)}...`;
}

/**
 * `[macaque] <name><rest>` within the SNS limit: the requester-supplied name is
 * the part that gets shortened, so the outcome in `rest` always survives.
 */
export function subjectLine(name: string, rest: string): string {
  const prefix = "[macaque] ";
  const tail = toSubjectText(rest);
  const room = Math.max(8, maxSubjectLength - prefix.length - tail.length);
  const line = `${prefix}${clip(toSubjectText(name), room)}${tail}`;
  return clip(line, maxSubjectLength);
}
