import { describe, expect, it } from "vitest";
import {
  clip,
  escapeHtml,
  maxSubjectLength,
  printable,
  printableLines,
  subjectLine,
  toSubjectText,
} from "../src/escape.ts";

describe("escapeHtml", () => {
  it("escapes every character that can open a tag or close an attribute", () => {
    expect(escapeHtml(`<script>alert("x")</script>' onerror=\`y\` &amp;`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onerror=&#96;y&#96; &amp;amp;",
    );
  });
});

describe("toSubjectText", () => {
  it.each([
    ["web", "web"],
    ["line\nbreak\r\nand\ttab", "line break and tab"],
    ["café", "cafe"],
    ["サーバー", "????"],
    ["db 🔥 prod", "db ? prod"],
    ["a\u2028b\u0000c", "a b c"],
    ["  many   spaces ", "many spaces"],
  ])("turns %j into %j", (input, output) => {
    expect(toSubjectText(input)).toBe(output);
  });
});

describe("clip", () => {
  it("marks a cut with an ellipsis and keeps to the limit", () => {
    expect(clip("abcdefghij", 6)).toBe("abc...");
    expect(clip("abc", 6)).toBe("abc");
    expect(clip("abcdef", 2)).toBe("..");
  });
});

describe("subjectLine", () => {
  it("keeps the outcome and shortens the name when the line is too long", () => {
    const line = subjectLine("x".repeat(300), ": recovered in 42 s (PASS)");
    expect(line.length).toBeLessThanOrEqual(maxSubjectLength);
    expect(line).toMatch(/^\[macaque\] x+\.\.\.: recovered in 42 s \(PASS\)$/);
  });

  it("is printable ASCII on one line whatever the name holds", () => {
    const line = subjectLine('web\n<script>"é\u0007', ": termination failed");
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    expect(line).toBe('[macaque] web <script>"e: termination failed');
  });
});

describe("printable", () => {
  it.each([
    ["plain text", "plain text"],
    ["a\r\nb", "a\\r\\nb"],
    ["bell\u0007 esc\u001b[0m", "bell\\u0007 esc\\u001b[0m"],
    ["tab\there", "tab\\there"],
    ["sep\u2028par\u2029", "sep\\u2028par\\u2029"],
    ["café サーバー", "café サーバー"],
  ])("shows %j as %j", (input, output) => {
    expect(printable(input)).toBe(output);
  });

  it("keeps a block's line breaks and escapes the rest", () => {
    expect(printableLines("one\r\ntwo\u001b\nthree")).toEqual(["one", "two\\u001b", "three"]);
  });
});
