import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@macaque/shared";
import { allowLists, guardrailPolicy, jobDefaults, producerEnvSchema } from "../src/config.ts";

const base = { REDIS_URL: "redis://127.0.0.1:6379" };

describe("producer config", () => {
  it("defaults to the documented guardrails", () => {
    expect(guardrailPolicy(parseEnv(producerEnvSchema, base))).toEqual({
      optInTag: { key: "macaque:enabled", value: "true" },
      excludeTag: { key: "macaque:exclude", value: "true" },
      maxInstancesPerExperiment: 10,
      maxPercentOfGroup: 50,
      minInServiceAfter: 1,
      minMinutesBetweenExperiments: 60,
    });
  });

  it("reads STOP_ALARMS as alarm names or ARNs, none by default", () => {
    expect(parseEnv(producerEnvSchema, base).STOP_ALARMS).toEqual([]);
    const arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-latency";
    expect(
      parseEnv(producerEnvSchema, { ...base, STOP_ALARMS: ` web-5xx , ${arn},` }).STOP_ALARMS,
    ).toEqual(["web-5xx", arn]);
  });

  it.each([
    ["arn:aws:s3:::bucket", /STOP_ALARMS\.0: must be an alarm name .* or an alarm ARN/],
    [
      Array.from({ length: 101 }, (_, i) => `a${i}`).join(","),
      /STOP_ALARMS: lists more than 100 alarms/,
    ],
  ])("refuses STOP_ALARMS=%s, naming it", (value, message) => {
    expect(() => parseEnv(producerEnvSchema, { ...base, STOP_ALARMS: value })).toThrow(message);
  });

  it("reads the allow-lists, both off by default", () => {
    expect(allowLists(parseEnv(producerEnvSchema, base))).toEqual({
      senderIds: [],
      emailDomains: [],
    });
    const config = parseEnv(producerEnvSchema, {
      ...base,
      ALLOWED_SENDER_IDS: "123456789012, AROAEXAMPLEROLEID1234",
      ALLOWED_EMAIL_DOMAINS: "Example.com,corp.example",
    });
    expect(allowLists(config)).toEqual({
      senderIds: ["123456789012", "AROAEXAMPLEROLEID1234"],
      emailDomains: ["example.com", "corp.example"],
    });
  });

  it.each([
    [
      "ALLOWED_SENDER_IDS",
      "arn:aws:iam::123456789012:role/x",
      /ALLOWED_SENDER_IDS\.0: must be SQS SenderIds/,
    ],
    [
      "ALLOWED_EMAIL_DOMAINS",
      "example.com,@corp",
      /ALLOWED_EMAIL_DOMAINS\.1: must be a domain name/,
    ],
    ["MAX_GROUPS_PER_SELECTOR", "0", /MAX_GROUPS_PER_SELECTOR: must be at least 1/],
  ])("refuses a bad %s, naming it", (name, value, message) => {
    expect(() => parseEnv(producerEnvSchema, { ...base, [name]: value })).toThrow(message);
  });

  it("reads tags as key=value, the value may contain =", () => {
    const config = parseEnv(producerEnvSchema, {
      ...base,
      OPT_IN_TAG: "chaos=yes",
      EXCLUDE_TAG: "team=a=b",
      MIN_IN_SERVICE_AFTER: "0",
    });
    expect(config.OPT_IN_TAG).toEqual({ key: "chaos", value: "yes" });
    expect(config.EXCLUDE_TAG).toEqual({ key: "team", value: "a=b" });
    expect(config.MIN_IN_SERVICE_AFTER).toBe(0);
  });

  it("defaults a job's check interval to the job message's 10 s, or to DEFAULT_CHECK_INTERVAL_SECONDS", () => {
    expect(jobDefaults(parseEnv(producerEnvSchema, base))).toEqual({ checkIntervalSeconds: 10 });
    expect(
      jobDefaults(parseEnv(producerEnvSchema, { ...base, DEFAULT_CHECK_INTERVAL_SECONDS: "0.5" })),
    ).toEqual({ checkIntervalSeconds: 0.5 });
  });

  it.each(["0", "0.05", "3601", "soon"])(
    "refuses DEFAULT_CHECK_INTERVAL_SECONDS=%s, naming it",
    (value) => {
      expect(() =>
        parseEnv(producerEnvSchema, { ...base, DEFAULT_CHECK_INTERVAL_SECONDS: value }),
      ).toThrow(/DEFAULT_CHECK_INTERVAL_SECONDS: must be/);
    },
  );

  it("reads MIN_MINUTES_BETWEEN_EXPERIMENTS as minutes, fractions and 0 included", () => {
    for (const [value, minutes] of [
      ["0", 0],
      ["0.5", 0.5],
      ["120", 120],
    ] as const) {
      const config = parseEnv(producerEnvSchema, {
        ...base,
        MIN_MINUTES_BETWEEN_EXPERIMENTS: value,
      });
      expect(guardrailPolicy(config).minMinutesBetweenExperiments).toBe(minutes);
    }
  });

  it.each(["-1", "soon", "Infinity"])(
    "refuses MIN_MINUTES_BETWEEN_EXPERIMENTS=%s, naming it",
    (value) => {
      expect(() =>
        parseEnv(producerEnvSchema, { ...base, MIN_MINUTES_BETWEEN_EXPERIMENTS: value }),
      ).toThrow(/MIN_MINUTES_BETWEEN_EXPERIMENTS: must be/);
    },
  );

  it("names every bad variable", () => {
    try {
      parseEnv(producerEnvSchema, {
        ...base,
        OPT_IN_TAG: "nokey",
        MAX_PERCENT_OF_GROUP: "150",
        MAX_INSTANCES_PER_EXPERIMENT: "0",
        MIN_IN_SERVICE_AFTER: "-1",
      });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(":")[0])).toEqual([
        "OPT_IN_TAG",
        "MAX_INSTANCES_PER_EXPERIMENT",
        "MAX_PERCENT_OF_GROUP",
        "MIN_IN_SERVICE_AFTER",
      ]);
    }
  });

  it("defaults the AWS call budgets to 20 a second and the kill-switch window to 1 s", () => {
    expect(parseEnv(producerEnvSchema, base)).toMatchObject({
      AUTO_SCALING_CALLS_PER_SECOND: 20,
      EC2_CALLS_PER_SECOND: 20,
      HALT_READ_WINDOW_MS: 1000,
    });
  });

  it.each([
    ["AUTO_SCALING_CALLS_PER_SECOND", "0", /AUTO_SCALING_CALLS_PER_SECOND: must be greater than 0/],
    ["EC2_CALLS_PER_SECOND", "fast", /EC2_CALLS_PER_SECOND: must be a number/],
    ["HALT_READ_WINDOW_MS", "60001", /HALT_READ_WINDOW_MS: must be 0-60000 ms/],
    ["QUEUE_CONCURRENCY", "0", /QUEUE_CONCURRENCY: must be 1-1000/],
  ])("refuses %s=%s, naming it", (name, value, message) => {
    expect(() => parseEnv(producerEnvSchema, { ...base, [name]: value })).toThrow(message);
  });
});
