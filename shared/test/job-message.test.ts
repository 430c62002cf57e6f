import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jobMessageJsonSchema, parseJobMessage } from "@macaque/shared";

const valid = (body: unknown) => {
  const result = parseJobMessage(JSON.stringify(body));
  if (!result.ok) throw new Error(result.reasons.map((r) => r.message).join("; "));
  return result.job;
};
const reasonsOf = (body: unknown) => {
  const result = parseJobMessage(typeof body === "string" ? body : JSON.stringify(body));
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.reasons.map((r) => r.message);
};

describe("job message v1", () => {
  it("applies defaults to a minimal count message", () => {
    expect(valid({ asg: "web", count: 2 })).toEqual({
      asg: "web",
      count: 2,
      mode: "ec2",
      dryRun: false,
      recovery: { deadlineSeconds: 900, checkIntervalSeconds: 10, requireHealthy: true },
      stopConditions: { alarms: [] },
      notify: { emails: [] },
    });
  });

  it("takes stop-condition alarms by name or by ARN", () => {
    const arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web 5xx";
    expect(
      valid({ asg: "web", count: 1, stopConditions: { alarms: ["web-latency", arn] } })
        .stopConditions,
    ).toEqual({ alarms: ["web-latency", arn] });
  });

  it.each([
    ["an empty name", [""], "stopConditions.alarms.0: must name an alarm"],
    [
      "a name over 255 characters",
      ["a".repeat(256)],
      "stopConditions.alarms.0: must be an alarm name",
    ],
    [
      "an ARN of something else",
      ["arn:aws:sns:us-east-1:123456789012:alarms"],
      "stopConditions.alarms.0: must be an alarm name (at most 255 characters) or an alarm ARN",
    ],
    [
      "an ARN without an account",
      ["arn:aws:cloudwatch:us-east-1::alarm:web"],
      "stopConditions.alarms.0: must be an alarm name",
    ],
    ["a control character", ["web\n5xx"], "stopConditions.alarms.0: contains control characters"],
    ["a string instead of a list", "web-5xx", "stopConditions.alarms: "],
  ])("refuses %s as a stop-condition alarm, naming the field", (_, alarms, message) => {
    const reasons = reasonsOf({ asg: "web", count: 1, stopConditions: { alarms } });
    expect(reasons.some((r) => r.startsWith(message))).toBe(true);
  });

  it("refuses more than 50 alarms and unknown stop conditions", () => {
    const many = Array.from({ length: 51 }, (_, i) => `a-${i}`);
    expect(reasonsOf({ asg: "web", count: 1, stopConditions: { alarms: many } })).toEqual([
      "stopConditions.alarms: lists more than 50 alarms",
    ]);
    expect(reasonsOf({ asg: "web", count: 1, stopConditions: { metrics: [] } })).toEqual([
      'unknown field "stopConditions.metrics"',
    ]);
  });

  it.each([
    ["no recovery object", {}, { deadlineSeconds: 900, checkIntervalSeconds: 1 }],
    [
      "a recovery object without it",
      { recovery: { deadlineSeconds: 60 } },
      { deadlineSeconds: 60, checkIntervalSeconds: 1 },
    ],
    [
      "its own interval",
      { recovery: { checkIntervalSeconds: 5 } },
      { deadlineSeconds: 900, checkIntervalSeconds: 5 },
    ],
  ])("uses the operator's default check interval for %s", (_, extra, recovery) => {
    const result = parseJobMessage(JSON.stringify({ asg: "web", count: 1, ...extra }), {
      checkIntervalSeconds: 1,
    });
    expect(result.ok && result.job.recovery).toMatchObject(recovery);
  });

  it("leaves a recovery that is not an object to the schema, operator defaults or not", () => {
    const result = parseJobMessage(JSON.stringify({ asg: "web", count: 1, recovery: 5 }), {
      checkIntervalSeconds: 1,
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.reasons.map((r) => r.path)).toEqual(["recovery"]);
  });

  it("accepts every documented field", () => {
    const job = valid({
      version: 1,
      asg: "web",
      percent: 50,
      mode: "asg",
      dryRun: true,
      availabilityZone: "us-east-1a",
      recovery: {
        deadlineSeconds: 600,
        checkIntervalSeconds: 5,
        requireHealthy: false,
        targetSeconds: 300,
      },
      notify: { emails: ["sre@example.com"] },
      requestId: "change-1234",
      requestedBy: "alice",
      seed: 42,
    });
    expect(job.seed).toBe("42");
    expect(job.recovery.targetSeconds).toBe(300);
  });

  it.each([
    ["invalid JSON", "{asg: web}", /not valid JSON/],
    ["a JSON array", [], /must be a JSON object/],
    ["no asg", { count: 1 }, /^asg: give either asg \(one group\) or selector/],
    ["an empty asg", { asg: "", count: 1 }, /^asg: must name an Auto Scaling group$/],
    ["neither count nor percent", { asg: "web" }, /^count: give either count or percent$/],
    ["both count and percent", { asg: "web", count: 1, percent: 10 }, /not both/],
    ["a fractional count", { asg: "web", count: 1.5 }, /^count: must be a whole number$/],
    ["a zero count", { asg: "web", count: 0 }, /^count: must be at least 1$/],
    ["percent over 100", { asg: "web", percent: 101 }, /^percent: must be at most 100$/],
    ["an unknown mode", { asg: "web", count: 1, mode: "kill" }, /^mode: must be ec2 or asg$/],
    ["a misspelt field", { asg: "web", count: 1, dryrun: true }, /^unknown field "dryrun"$/],
    [
      "an unknown nested field",
      { asg: "web", count: 1, recovery: { deadline: 5 } },
      /^unknown field "recovery.deadline"$/,
    ],
    [
      "a bad email",
      { asg: "web", count: 1, notify: { emails: ["nope"] } },
      /^notify.emails.0: must be an email address such as chaos@example.com$/,
    ],
    [
      "a check interval longer than the deadline",
      { asg: "web", count: 1, recovery: { deadlineSeconds: 5, checkIntervalSeconds: 10 } },
      /^recovery.checkIntervalSeconds: must be shorter than the deadline \(5 s\)$/,
    ],
    [
      "a target beyond the deadline",
      { asg: "web", count: 1, recovery: { deadlineSeconds: 60, targetSeconds: 120 } },
      /^recovery.targetSeconds: cannot be longer than the deadline/,
    ],
    ["a string count", { asg: "web", count: "2" }, /^count: .*number/],
    ["version 2", { version: 2, asg: "web", count: 1 }, /^version: must be 1/],
  ])("rejects %s with a reason naming the problem", (_name, body, expected) => {
    expect(reasonsOf(body)).toContainEqual(expect.stringMatching(expected));
  });

  it("reports every problem at once, not just the first", () => {
    expect(reasonsOf({ asg: "", count: 0, mode: "x", extra: 1 })).toHaveLength(4);
  });

  it("matches the committed JSON Schema (run `npm run schema` after changing it)", () => {
    const committed = JSON.parse(
      readFileSync(new URL("../schema/job-message.v1.json", import.meta.url), "utf8"),
    ) as unknown;
    expect(committed).toEqual(jobMessageJsonSchema());
  });
});
