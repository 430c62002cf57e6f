import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  experimentIdFor,
  parseJobMessage,
} from "@macaque/shared";
import {
  buildRejection,
  salvageRequestFields,
  stageOf,
} from "../services/producer/src/rejection.ts";
import { buildReport, renderReport } from "../services/notifier/src/render-report.ts";
import { hostileBody, hostileString } from "./support/hostile-input.ts";

/**
 * The producer's and notifier's pure halves against thousands of adversarial
 * bodies: validation never throws, every body that is not a sound job message
 * becomes one bounded rejection with reasons, and no control character reaches
 * the report's text, summary or subject. The same bodies go through the real
 * processes in hostile-input.pipeline.test.ts.
 */

/** SNS refuses messages over 256 KB. */
const snsMaxBytes = 256 * 1024;
const controlCharacter = /[\p{Cc}\u2028\u2029]/u;
// The control characters in this pattern are what the tests look for.
// eslint-disable-next-line no-control-regex
const controlCharacterButLineFeed = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;

function rejectionEvent(body: string, reasons: Parameters<typeof stageOf>[0]) {
  const fields = salvageRequestFields(body);
  const requestId = fields.requestId ?? "sqs-message-id";
  const data = buildRejection({
    experimentId: experimentIdFor(requestId),
    requestId,
    fields,
    stage: stageOf(reasons),
    reasons: [...reasons],
    body,
    now: new Date("2026-12-06T10:00:00Z"),
  });
  return createEvent(EventType.experimentRejected, {
    source: eventSource(ServiceName.producer),
    subject: data.experimentId,
    data,
  });
}

describe("adversarial job messages", () => {
  it("never throw, and each is one bounded rejection with reasons, or a sound job", () => {
    let rejected = 0;
    fc.assert(
      fc.property(hostileBody, (body) => {
        const parsed = parseJobMessage(body);
        if (parsed.ok) {
          // What passes validation carries no control character into any report.
          for (const value of [
            parsed.job.asg,
            parsed.job.requestedBy ?? "",
            parsed.job.requestId ?? "",
          ]) {
            expect(value).not.toMatch(controlCharacter);
          }
          return;
        }
        rejected++;
        expect(parsed.reasons.length).toBeGreaterThan(0);
        for (const r of parsed.reasons) {
          expect(typeof r.code).toBe("string");
          expect(r.message.length).toBeGreaterThan(0);
        }
        const event = rejectionEvent(body, parsed.reasons);
        expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(snsMaxBytes);
        expect(event.data.reasons.length).toBeLessThanOrEqual(20);
      }),
      { numRuns: 1_500 },
    );
    expect(rejected).toBeGreaterThan(1_000);
    // Nothing a body held changed what every object inherits.
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("30,000 unknown fields make one rejection far under SNS's limit that names the first and counts the rest", () => {
    const keys = Array.from({ length: 30_000 }, (_, i) => `"field${i}":${i}`).join(",");
    const body = `{"asg":"web","count":1,${keys}}`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(200_000);
    const parsed = parseJobMessage(body);
    if (parsed.ok) throw new Error("expected a rejection");
    const event = rejectionEvent(body, parsed.reasons);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(16 * 1024);
    expect(event.data.reasons[0]?.message).toMatch(/^unknown fields "field0", .* and 29980 more$/);
    expect(event.data.receivedBody.length).toBeLessThanOrEqual(4096);
  });

  it("with more reasons than a rejection lists, keeps the first and counts the rest in one more", () => {
    const body = JSON.stringify({
      asg: "web",
      count: 1,
      notify: { emails: Array(49).fill("not an address") },
    });
    const parsed = parseJobMessage(body);
    if (parsed.ok) throw new Error("expected a rejection");
    expect(parsed.reasons.length).toBe(49);
    const { reasons } = rejectionEvent(body, parsed.reasons).data;
    expect(reasons).toHaveLength(20);
    expect(reasons.at(-1)).toEqual({
      code: "more-reasons",
      message: "and 30 more reasons, not listed",
    });
  });

  it("never put a control character in a rejection report's text, summary or subject", () => {
    fc.assert(
      fc.property(hostileBody, hostileString, (body, requestedBy) => {
        const parsed = parseJobMessage(body);
        const reasons = parsed.ok
          ? [{ code: "not-opted-in", message: `refused: ${requestedBy}` }]
          : parsed.reasons;
        const event = rejectionEvent(body, reasons);
        // A rejection names whoever the body says sent it, whatever they wrote.
        const hostile = { ...event, data: { ...event.data, requestedBy, asg: requestedBy } };
        const report = buildReport(hostile);
        if (!report) throw new Error("a rejection always has a report");
        const rendered = renderReport(report);
        expect(rendered.text).not.toMatch(controlCharacterButLineFeed);
        expect(rendered.summary).not.toMatch(controlCharacterButLineFeed);
        expect(rendered.html).not.toMatch(controlCharacterButLineFeed);
        expect(rendered.subject).toMatch(/^[\x20-\x7e]+$/);
        expect(rendered.text.split("\n").filter((l) => l.startsWith("Subject:"))).toEqual([]);
      }),
      { numRuns: 1_000 },
    );
  });
});
