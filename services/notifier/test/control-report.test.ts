import { describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { buildReport, renderReport } from "../src/render-report.ts";
import { at, event, notRecoveredData, recoveryEvent } from "./fixtures.ts";

const halt = {
  halted: true,
  by: "arn:aws:iam::123456789012:user/ops",
  at: at(30),
  reason: "incident 42",
  parameter: "/macaque/halt",
};

describe("the control report", () => {
  it("reports a halt to the default recipients: who, when, why, and what it stops", () => {
    const report = buildReport(event(EventType.controlHalted, halt, `halt/${halt.at}`));
    const rendered = renderReport(report!);
    expect(rendered.kind).toBe("control");
    expect(rendered.experimentId).toBe(`halt/${halt.at}`);
    expect(rendered.subject).toBe("[macaque] kill switch: HALTED - no experiment will run");
    expect(rendered.summary).toContain(
      `macaque HALTED by arn:aws:iam::123456789012:user/ops at ${halt.at}: incident 42`,
    );
    expect(rendered.text).toContain("Experiments already terminated are still measured");
  });

  it("reports a resume as good news", () => {
    const resume = { ...halt, halted: false, reason: "incident over" };
    const rendered = renderReport(
      buildReport(event(EventType.controlResumed, resume, `resume/${halt.at}`))!,
    );
    expect(rendered.subject).toBe("[macaque] kill switch: resumed");
    expect(rendered.summary).toContain("macaque resumed by arn:aws:iam::123456789012:user/ops");
  });
});

describe("the recovery report of an aborted experiment", () => {
  const abort = { experimentId: "exp-1", by: "ops@laptop", at: at(20), reason: "wrong group" };

  it("says who aborted, when and why, with what was measured so far", () => {
    const data = {
      ...notRecoveredData(),
      outcome: "aborted" as const,
      verdict: "none" as const,
      abort,
    };
    const rendered = renderReport(buildReport(recoveryEvent(data))!);
    expect(rendered.subject).toMatch(/: ABORTED by ops@laptop$/);
    expect(rendered.text).toMatch(/Aborted by\s+ops@laptop/);
    expect(rendered.text).toMatch(/Why\s+wrong group/);
    expect(rendered.text).toContain("not measured to the end: aborted after");
    expect(rendered.text).toContain("Last observed state");
    expect(rendered.summary).toContain(`Aborted by ops@laptop at ${abort.at}: wrong group`);
  });

  it("mentions a halt that landed while an experiment was measured", () => {
    const report = buildReport(recoveryEvent(), [halt]);
    const rendered = renderReport(report!);
    expect(rendered.text).toContain("Kill switch while measured");
    expect(rendered.summary).toContain(
      `macaque halted meanwhile by arn:aws:iam::123456789012:user/ops at ${halt.at}`,
    );
  });
});
