import { describe, expect, it } from "vitest";
import { experimentIdFor } from "@macaque/shared";
import { checkFlags, checkRawJob, type RunFlags } from "../src/build-job.ts";

const ids = { requestId: "cli-test-1", requestedBy: "ops@laptop" };
const check = (flags: Partial<RunFlags>) => checkFlags({ asg: "web", ...flags }, ids);
const messages = (result: ReturnType<typeof check>) =>
  result.ok === false ? result.reasons.map((r) => r.message) : [];

describe("checkFlags", () => {
  it("builds the job message a user would write, with the experiment id known before sending", () => {
    const result = check({
      count: "2",
      mode: "asg",
      dryRun: true,
      email: ["ops@example.com"],
      deadline: "10m",
      checkInterval: "5s",
      target: "2m",
      seed: "7",
      az: "us-east-1a",
    });
    expect(result.ok).toBe(true);
    if (result.ok !== true) return;
    expect(JSON.parse(result.body)).toEqual({
      version: 1,
      asg: "web",
      count: 2,
      mode: "asg",
      dryRun: true,
      availabilityZone: "us-east-1a",
      recovery: { deadlineSeconds: 600, checkIntervalSeconds: 5, targetSeconds: 120 },
      notify: { emails: ["ops@example.com"] },
      requestId: "cli-test-1",
      requestedBy: "ops@laptop",
      seed: "7",
    });
    expect(result.requestId).toBe("cli-test-1");
    expect(result.experimentId).toBe(experimentIdFor("cli-test-1"));
    expect(result.job.recovery.requireHealthy).toBe(true);
  });

  it("leaves defaults to the producer: no recovery or notify block unless asked for", () => {
    const result = check({ percent: "25" });
    expect(result.ok).toBe(true);
    if (result.ok !== true) return;
    expect(JSON.parse(result.body)).toEqual({
      version: 1,
      asg: "web",
      percent: 25,
      requestId: "cli-test-1",
      requestedBy: "ops@laptop",
    });
  });

  it("reports every problem at once, in the flags' own names", () => {
    expect(
      messages(check({ count: "0", deadline: "5x", email: ["nope"], checkInterval: "0.01" })),
    ).toEqual([
      '--deadline: "5x" is not a duration such as 90s, 5m, 1h30m or 120',
      "--count (count): must be at least 1",
      "--check-interval (recovery.checkIntervalSeconds): must be at least 0.1 seconds",
      "--email (notify.emails.0): must be an email address such as chaos@example.com",
    ]);
  });

  it.each<[string, Partial<RunFlags>, string]>([
    [
      "count and percent",
      { count: "1", percent: "10" },
      "--percent (percent): give either count or percent, not both",
    ],
    ["a fractional count", { count: "1.5" }, "--count (count): must be a whole number"],
    ["a count that is not a number", { count: "two" }, '--count: "two" is not a number'],
    ["a percent over 100", { percent: "150" }, "--percent (percent): must be at most 100"],
    [
      "a deadline over a day",
      { count: "1", deadline: "25h" },
      "--deadline (recovery.deadlineSeconds): must be at most 86400 seconds (24 h)",
    ],
    [
      "a check interval as long as the deadline",
      { count: "1", deadline: "1m", checkInterval: "1m" },
      "--check-interval (recovery.checkIntervalSeconds): must be shorter than the deadline (60 s)",
    ],
    [
      "a target beyond the deadline",
      { count: "1", deadline: "1m", target: "2m" },
      "--target (recovery.targetSeconds): cannot be longer than the deadline (60 s)",
    ],
    [
      "a malformed zone",
      { count: "1", az: "Zone A" },
      "--az (availabilityZone): is not an availability zone name such as us-east-1a",
    ],
    [
      "an empty group name",
      { asg: "", count: "1" },
      "--asg (asg): must name an Auto Scaling group",
    ],
  ])("refuses %s", (_what, flags, message) => {
    expect(messages(check(flags))).toContain(message);
  });

  it("asks for the count only when everything else is valid", () => {
    const asked = check({ deadline: "10m" });
    expect(asked.ok).toBe("ask");
    if (asked.ok !== "ask") return;
    const done = asked.withCount(3);
    expect(done.ok).toBe(true);
    if (done.ok) expect(done.job.count).toBe(3);

    expect(check({ deadline: "nope" }).ok).toBe(false);
  });
});

describe("checkRawJob", () => {
  const newId = () => "cli-generated";

  it("sends a message that names its requestId exactly as written", () => {
    const text = '{ "asg": "web", "count": 1, "requestId": "mine-1" }';
    const result = checkRawJob(text, newId);
    expect(result).toMatchObject({ ok: true, body: text, requestId: "mine-1" });
    if (result.ok) expect(result.experimentId).toBe(experimentIdFor("mine-1"));
  });

  it("adds a requestId when the message has none, so the experiment can be followed", () => {
    const result = checkRawJob('{"asg":"web","percent":10}', newId);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.parse(result.body)).toEqual({
      asg: "web",
      percent: 10,
      requestId: "cli-generated",
    });
    expect(result.experimentId).toBe(experimentIdFor("cli-generated"));
  });

  it.each([
    ["{not json", "not valid JSON"],
    ["[1]", "the job message must be a JSON object"],
    ['{"asg":"web","count":1,"dryrun":true}', 'unknown field "dryrun"'],
    ['{"asg":"web"}', "count: give either count or percent"],
    [
      '{"selector":{"tags":{"team":"web"}},"count":1}',
      "selector: a selector request becomes one experiment per group",
    ],
  ])("refuses %j: %s", (text, message) => {
    const result = checkRawJob(text, newId);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons.map((r) => r.message).join("\n")).toContain(message);
  });
});
