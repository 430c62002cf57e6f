import { describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { maxSubjectLength } from "../src/escape.ts";
import { buildReport, renderReport } from "../src/render-report.ts";
import type { RenderedReport } from "../src/report.ts";
import {
  dryRunPlannedData,
  event,
  experiment,
  notRecoveredData,
  recoveryCompletedData,
  recoveryEvent,
  rejectedData,
  stoppedData,
  terminationFailedData,
} from "./fixtures.ts";

function render(e: Parameters<typeof buildReport>[0]): RenderedReport {
  const report = buildReport(e);
  if (!report) throw new Error("expected a report");
  return renderReport(report);
}

const allowedTags = new Set([
  "!doctype",
  "html",
  "head",
  "meta",
  "title",
  "body",
  "div",
  "table",
  "tr",
  "td",
  "th",
  "ul",
  "li",
  "pre",
  "strong",
]);
const tagsIn = (html: string): string[] =>
  [...html.matchAll(/<\/?([!a-z]+)/gi)].map((m) => m[1]!.toLowerCase());

function expectSafeSubject(subject: string) {
  expect(subject.length).toBeLessThan(100);
  expect(subject.length).toBeLessThanOrEqual(maxSubjectLength);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
}

describe("recovery report", () => {
  const r = render(recoveryEvent());

  it("says in the subject how fast the group recovered and the verdict", () => {
    expect(r.kind).toBe("recovery");
    expect(r.subject).toBe("[macaque] web: recovered in 42 s (PASS)");
    expectSafeSubject(r.subject);
  });

  it("shows outcome, verdict, MTTR with its precision, group, mode, victims and replacements", () => {
    for (const part of [r.text, r.html]) {
      expect(part).toContain("recovered");
      expect(part).toContain("PASS (target 1 min)");
      expect(part).toContain("42 s ± 10 s");
      expect(part).toContain("web");
      expect(part).toContain("ec2 (EC2 TerminateInstances");
      expect(part).toContain("i-0000000a");
      expect(part).toContain("i-0000000c");
      expect(part).toContain("i-0000001e");
      expect(part).toContain("i-0000001f");
      expect(part).toContain("ops@example.com");
      expect(part).toContain("req-42");
    }
  });

  it("lists the timeline's milestones with their offsets", () => {
    expect(r.text).toMatch(/first replacement seen\s+2025-11-26 10:00:10 UTC\s+\+10 s/);
    expect(r.text).toMatch(/all InService\s+2025-11-26 10:00:30 UTC\s+\+30 s/);
    expect(r.text).toMatch(/all healthy\s+2025-11-26 10:00:40 UTC\s+\+40 s/);
    expect(r.text).toMatch(/recovered\s+2025-11-26 10:00:42 UTC\s+\+42 s/);
  });

  it("draws the timeline as table-cell bars whose widths follow the times", () => {
    const bars = [...r.html.matchAll(/<td class="bar bar-(\w+)" width="(\d+)%"/g)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    // 10, 20, 10 and 2 seconds of 42
    expect(bars).toEqual([
      ["launch", 24],
      ["boot", 47],
      ["health", 24],
      ["settle", 5],
    ]);
  });

  it("needs no scripts, SVG or images to draw", () => {
    expect(r.html).not.toMatch(/<script|<svg|<img|<style|<link/i);
    expect(new Set(tagsIn(r.html))).toEqual(
      new Set(tagsIn(r.html).filter((t) => allowedTags.has(t))),
    );
  });

  it("leaves out the verdict when no target was set", () => {
    const data = recoveryCompletedData({ verdict: "none" });
    data.experiment = experiment({
      recovery: { ...data.experiment.recovery, targetSeconds: undefined },
    });
    const none = render(recoveryEvent(data));
    expect(none.subject).toBe("[macaque] web: recovered in 42 s");
    expect(none.text).toContain("none (no target set)");
  });

  it("says FAIL when the group recovered later than its target", () => {
    const late = render(
      recoveryEvent(recoveryCompletedData({ verdict: "fail", timeToRecoverSeconds: 75 })),
    );
    expect(late.subject).toBe("[macaque] web: recovered in 1 min 15 s (FAIL)");
  });
});

describe("not-recovered report", () => {
  const r = render(recoveryEvent(notRecoveredData()));

  it("says so in the subject", () => {
    expect(r.subject).toBe("[macaque] web: NOT recovered within 15 min (FAIL)");
  });

  it("shows the last observed state and which milestones were not reached", () => {
    for (const part of [r.text, r.html]) {
      expect(part).toContain("Last observed state (2025-11-26 10:15:00 UTC)");
      expect(part).toContain("not reached");
      expect(part).toContain("Unhealthy");
      expect(part).toContain("not recovered within the 15 min deadline");
    }
    expect(r.text).toMatch(/InService and healthy\s+2/);
  });

  it("greys out the phase that never finished, up to the last check", () => {
    expect(r.html).toMatch(/<td class="bar bar-missing" width="93%"/);
  });
});

describe("report of an experiment an alarm stopped", () => {
  const r = render(recoveryEvent(stoppedData()));

  it("says in the subject which alarm stopped it", () => {
    expect(r.subject).toBe("[macaque] web: STOPPED by alarm web-5xx (FAIL)");
  });

  it("names the alarm, when it fired and its reason, with what was measured until then", () => {
    for (const part of [r.text, r.html]) {
      expect(part).toContain("Stopped by");
      expect(part).toContain("web-5xx");
      expect(part).toContain("2025-11-26 10:00:42 UTC");
      expect(part).toContain("Threshold Crossed: 5xx rate 12%");
      expect(part).toContain("Last observed state");
      expect(part).toContain("none: stopped by an alarm before the group recovered");
      expect(part).not.toContain("deadline");
    }
    expect(r.summary).toContain(
      'Stopped: alarm "web-5xx" is in ALARM since 2025-11-26T10:00:42.000Z: Threshold Crossed: 5xx rate 12% > 5%',
    );
  });
});

describe("rejection report", () => {
  const r = render(event(EventType.experimentRejected, rejectedData(), "exp-rejected-1"));

  it("names the group and how many reasons in the subject", () => {
    expect(r.kind).toBe("rejection");
    expect(r.subject).toBe("[macaque] web: request rejected (2 reasons)");
  });

  it("lists the request and every reason", () => {
    for (const part of [r.text, r.html]) {
      expect(part).toContain("req-43");
      expect(part).toContain("ops@example.com");
      expect(part).toContain("count: must be at least 1 [invalid-field]");
      expect(part).toContain("nothing was terminated");
    }
    expect(r.text).toContain('unknown field "dryrun"');
    expect(r.html).toContain("<li");
  });

  it("names the request when the message did not even name a group", () => {
    const data = rejectedData({
      asg: undefined,
      stage: "parse",
      reasons: [{ code: "invalid-json", message: "not valid JSON: Unexpected token" }],
    });
    const unnamed = render(event(EventType.experimentRejected, data, data.experimentId));
    expect(unnamed.subject).toBe("[macaque] request req-43: request rejected (invalid-json)");
  });

  it("says which selector a refused request came from", () => {
    const selector = { tags: { "macaque:enabled": "true" } };
    const empty = rejectedData({
      asg: undefined,
      selector,
      reasons: [{ code: "selector-matched-nothing", message: "no group carries the tags" }],
    });
    const parent = render(event(EventType.experimentRejected, empty, empty.experimentId));
    expect(parent.subject).toBe(
      "[macaque] groups tagged macaque:enabled=true: request rejected (selector-matched-nothing)",
    );
    const share = rejectedData({ selector, parentRequestId: "req-all" });
    const group = render(event(EventType.experimentRejected, share, share.experimentId));
    expect(group.text).toContain("tags macaque:enabled=true (request req-all)");
  });
});

describe("termination-failure report", () => {
  const r = render(event(EventType.terminationFailed, terminationFailedData(), "exp-tf-1"));

  it("gives the reason and each instance's outcome", () => {
    expect(r.subject).toBe("[macaque] web: termination failed");
    for (const part of [r.text, r.html]) {
      expect(part).toContain("every victim failed the re-check");
      expect(part).toContain("no longer InService (Terminating)");
      expect(part).toContain("UnauthorizedOperation");
      expect(part).toContain("skipped");
    }
    expect(r.text).toContain("Termination failed - nothing was terminated");
  });
});

describe("dry-run report", () => {
  const r = render(event(EventType.experimentPlanned, dryRunPlannedData(), "exp-dry-1"));

  it("shows the would-be victims, the candidates, the excluded with why, and the seed", () => {
    expect(r.kind).toBe("dry-run");
    expect(r.subject).toBe("[macaque] web: dry run, would terminate 2 of 3 eligible");
    for (const part of [r.text, r.html]) {
      expect(part).toContain("i-0000000a");
      expect(part).toContain("i-0000000b");
      expect(part).toContain("i-0000000d");
      expect(part).toContain("tagged macaque:exclude=true");
      expect(part).toContain("demo-seed");
      expect(part).toContain("Candidates in shuffled order");
    }
    expect(r.text).toMatch(/1\s+i-0000000a\s+victim/);
    expect(r.text).toMatch(/3\s+i-0000000b\s*\n/);
  });

  it("says which selector request a group's experiment came from", () => {
    const fanOut = { parentRequestId: "req-all", selector: { tags: { team: "web" } } };
    const data = dryRunPlannedData({ fanOut });
    const selected = render(event(EventType.experimentPlanned, data, "exp-dry-1"));
    for (const part of [selected.text, selected.html]) {
      expect(part).toContain("tags team=web (request req-all)");
    }
    expect(r.text).not.toContain("Selected by");
  });

  it("is not made for a plan that is not a dry run", () => {
    const data = dryRunPlannedData({ dryRun: false });
    expect(buildReport(event(EventType.experimentPlanned, data, "exp-dry-1"))).toBeUndefined();
  });
});

describe("hostile input", () => {
  const script = "<script>alert(1)</script>";
  const attribute = '"onerror="alert(2)';
  const img = "<img src=x onerror=alert(3)>";
  const hostile = `${script}${attribute}${img}`;

  const reports: Array<[string, RenderedReport]> = [
    [
      "rejection",
      render(
        event(
          EventType.experimentRejected,
          rejectedData({
            asg: `web\r\n${hostile}`,
            requestedBy: hostile,
            requestId: hostile,
            experimentId: hostile,
            reasons: [{ code: hostile, message: `asg: ${hostile} is not a group` }],
            receivedBody: `{"asg":"${hostile}"}`,
          }),
          "exp-x",
        ),
      ),
    ],
    [
      "recovery",
      render(
        recoveryEvent(
          recoveryCompletedData({
            experiment: experiment({
              asg: hostile,
              requestedBy: hostile,
              requestId: hostile,
              id: hostile,
            }),
          }),
        ),
      ),
    ],
    [
      "dry run",
      render(
        event(
          EventType.experimentPlanned,
          {
            ...dryRunPlannedData({ asg: hostile, requestedBy: hostile, seed: hostile }),
            excluded: [{ instanceId: "i-0000000d", reason: hostile }],
          },
          "exp-x",
        ),
      ),
    ],
    [
      "termination failure",
      render(
        event(
          EventType.terminationFailed,
          { ...terminationFailedData(), reason: hostile },
          "exp-x",
        ),
      ),
    ],
  ];

  it.each(reports)("the %s report's HTML carries it only as escaped text", (_kind, r) => {
    expect(r.html).not.toContain("<script");
    expect(r.html).not.toContain("<img");
    expect(r.html).not.toContain('"onerror');
    expect(r.html).toContain(
      "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onerror=&quot;alert(2)&lt;img src=x onerror=alert(3)&gt;",
    );
    expect(new Set(tagsIn(r.html))).toEqual(
      new Set(tagsIn(r.html).filter((t) => allowedTags.has(t))),
    );
  });

  it.each(reports)("the %s report's subject stays one short line of ASCII", (_kind, r) => {
    expectSafeSubject(r.subject);
    expect(r.summary.split("\n")[0]).toBe(r.subject);
  });

  it("keeps the text part as the requester wrote it (plain text is not markup)", () => {
    expect(reports[0]![1].text).toContain(hostile);
  });
});

describe("summary for the reports topic", () => {
  it("starts with the subject and stays short", () => {
    const r = render(recoveryEvent());
    const lines = r.summary.split("\n");
    expect(lines[0]).toBe(r.subject);
    expect(lines).toContain("Time to recover: 42 s ± 10 s (the check interval)");
    expect(lines.length).toBeLessThanOrEqual(8);
  });

  it("states the precision the monitor measured, in the text and the HTML", () => {
    const r = render(
      recoveryEvent(
        recoveryCompletedData({
          timeToRecoverBounds: { lowerSeconds: 41.9, upperSeconds: 42 },
          precisionSeconds: 0.1,
          detectedBy: "event",
        }),
      ),
    );
    const stated = "42 s ± 0.1 s (true time between 41.9 s and 42.0 s; dated by a launch event)";
    expect(r.summary.split("\n")).toContain(`Time to recover: ${stated}`);
    expect(r.text).toContain(stated);
    expect(r.html).toContain("dated by a launch event");
  });

  it("clips long reasons and says how many more there are", () => {
    const reasons = Array.from({ length: 5 }, (_, i) => ({
      code: "invalid-field",
      message: `${i}: ${"x".repeat(500)}`,
    }));
    const r = render(
      event(EventType.experimentRejected, rejectedData({ reasons }), "exp-rejected-1"),
    );
    const lines = r.summary.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(200);
    expect(lines).toContain("- and 2 more");
  });
});

// Control characters in these patterns are exactly what the tests look for.
/* eslint-disable no-control-regex */
describe("control characters", () => {
  const injected = "ops\r\nSubject: pwned\u001b[2J\u0007\u2028Bcc: all@example.com";
  const reports: Array<[string, RenderedReport]> = [
    [
      "rejection",
      render(
        event(
          EventType.experimentRejected,
          rejectedData({
            asg: injected,
            requestedBy: injected,
            reasons: [{ code: "invalid-field", message: `asg: ${injected}` }],
            receivedBody: `{"asg":"web",\r\nSubject: pwned\n"x":1}`,
          }),
          "exp-x",
        ),
      ),
    ],
    [
      "recovery",
      render(
        recoveryEvent(recoveryCompletedData({ experiment: experiment({ requestedBy: injected }) })),
      ),
    ],
    [
      "termination failure",
      render(
        event(EventType.terminationFailed, { ...terminationFailedData(), reason: injected }, "x"),
      ),
    ],
  ];

  it.each(reports)("never start a line of the %s report's text or summary", (_kind, r) => {
    for (const text of [r.text, r.summary]) {
      const lines = text.split("\n");
      expect(lines.filter((l) => /^(Subject|Bcc):/.test(l))).toEqual([]);
      expect(text).not.toMatch(/[\r\u0000-\u0009\u000b-\u001f\u007f\u2028\u2029]/u);
    }
    expect(r.text).toContain("ops\\r\\nSubject: pwned\\u001b[2J\\u0007\\u2028Bcc: all@example.com");
  });

  it.each(reports)("reach the %s report's HTML only as escapes", (_kind, r) => {
    expect(r.html).not.toMatch(/[\r\u0000-\u0009\u000b-\u001f\u007f\u2028\u2029]/u);
  });
});
/* eslint-enable no-control-regex */

describe("a recovery that ended early", () => {
  it("names a deleted group as the reason, in the subject, the facts and the summary", () => {
    const r = render(
      recoveryEvent({
        ...notRecoveredData(),
        reason: {
          code: "group-deleted",
          message: "the group web no longer exists: it was deleted 40 s after the termination",
        },
      }),
    );
    expect(r.subject).toBe("[macaque] web: NOT recovered (group deleted) (FAIL)");
    expect(r.text).toMatch(/^Why it ended +the group web no longer exists: it was deleted 40 s/m);
    expect(r.summary).toContain("Why it ended: the group web no longer exists");
  });

  it("says an abandoned recovery was not measured, with no verdict and why", () => {
    const r = render(
      recoveryEvent({
        ...notRecoveredData(),
        outcome: "abandoned",
        verdict: "none",
        reason: { code: "monitor-gave-up", message: "the recovery-monitor could not go on: x" },
      }),
    );
    expect(r.subject).toBe("[macaque] web: recovery not measured (monitoring abandoned)");
    expect(r.text).toContain("Abandoned: the recovery was not measured to the end");
    expect(r.text).toMatch(/^Outcome +abandoned$/m);
    expect(r.summary).toContain("Why it ended: the recovery-monitor could not go on: x");
  });
});
