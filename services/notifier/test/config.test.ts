import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@macaque/shared";
import { notifierEnvSchema } from "../src/config.ts";

const base = { REDIS_URL: "redis://127.0.0.1:6379", SENDER_EMAIL: "chaos@example.com" };

describe("notifier configuration", () => {
  it("needs a sender and defaults to no extra recipients", () => {
    const config = parseEnv(notifierEnvSchema, base);
    expect(config.SENDER_EMAIL).toBe("chaos@example.com");
    expect(config.DEFAULT_RECIPIENTS).toEqual([]);
    expect(config.REDIS_KEY_PREFIX).toBe("macaque");
    expect(config.ALLOWED_EMAIL_DOMAINS).toEqual([]);
  });

  it("reads a comma-separated list of default recipients", () => {
    const config = parseEnv(notifierEnvSchema, {
      ...base,
      DEFAULT_RECIPIENTS: "sre@example.com, oncall@example.com,",
    });
    expect(config.DEFAULT_RECIPIENTS).toEqual(["sre@example.com", "oncall@example.com"]);
  });

  it.each([
    [{ SENDER_EMAIL: undefined }, "SENDER_EMAIL: is required but not set"],
    [{ SENDER_EMAIL: "chaos" }, "SENDER_EMAIL: must be an email address"],
    [
      { DEFAULT_RECIPIENTS: "sre@example.com,nope" },
      "DEFAULT_RECIPIENTS.1: must be an email address",
    ],
    [{ REDIS_URL: undefined }, "REDIS_URL: is required but not set"],
    [{ HISTORY_BUCKET: "My_Bucket" }, "HISTORY_BUCKET: must be an S3 bucket name"],
    [{ AWS_ENDPOINT_URL_S3: "not a url" }, "AWS_ENDPOINT_URL_S3: must be a URL"],
    [
      { ALLOWED_EMAIL_DOMAINS: "example.com,not a domain" },
      "ALLOWED_EMAIL_DOMAINS.1: must be a domain name",
    ],
    [
      { ALLOWED_EMAIL_DOMAINS: "corp.example", DEFAULT_RECIPIENTS: "sre@example.com" },
      "DEFAULT_RECIPIENTS: sre@example.com outside ALLOWED_EMAIL_DOMAINS (corp.example)",
    ],
  ])("names the bad variable (%j)", (change, problem) => {
    try {
      parseEnv(notifierEnvSchema, { ...base, ...change });
      expect.unreachable("the configuration should be refused");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join("\n")).toContain(problem);
    }
  });
});
