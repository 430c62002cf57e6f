import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConfigError,
  commonEnvSchema,
  envBoolean,
  envList,
  parseEnv,
  redisEnvSchema,
} from "@macaque/shared";

const schema = commonEnvSchema.extend(redisEnvSchema.shape).extend({
  RECIPIENTS: envList(z.email("is not an email address")),
  STRICT: envBoolean(true),
});

const problemsOf = (env: Record<string, string>) => {
  try {
    parseEnv(schema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("parseEnv", () => {
  it("applies defaults and freezes the result", () => {
    const config = parseEnv(schema, { REDIS_URL: "redis://127.0.0.1:6379" });
    expect(config).toMatchObject({
      AWS_REGION: "us-east-1",
      MACAQUE_NAME_PREFIX: "chaos",
      HTTP_PORT: 8080,
      SQS_WAIT_TIME_SECONDS: 10,
      HANDLE_MESSAGE_TIMEOUT_SECONDS: 300,
      REDIS_KEY_PREFIX: "macaque",
      RECIPIENTS: [],
      STRICT: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("parses lists, booleans and numbers from strings", () => {
    const config = parseEnv(schema, {
      REDIS_URL: "rediss://cache:6380",
      RECIPIENTS: "a@example.com, b@example.com",
      STRICT: "false",
      HTTP_PORT: "0",
    });
    expect(config.RECIPIENTS).toEqual(["a@example.com", "b@example.com"]);
    expect(config.STRICT).toBe(false);
    expect(config.HTTP_PORT).toBe(0);
  });

  it.each([
    [{}, "REDIS_URL: is required but not set"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL: must be a redis:// or rediss:// URL"],
    [{ REDIS_URL: "redis://x", HTTP_PORT: "eighty" }, "HTTP_PORT: must be a number"],
    [{ REDIS_URL: "redis://x", HTTP_PORT: "70000" }, "HTTP_PORT: must be 0-65535"],
    [
      { REDIS_URL: "redis://x", AWS_REGION: "mars" },
      "AWS_REGION: must be an AWS region such as us-east-1",
    ],
    [
      { REDIS_URL: "redis://x", AWS_ENDPOINT_URL_SQS: "localhost" },
      "AWS_ENDPOINT_URL_SQS: must be a URL",
    ],
    [
      { REDIS_URL: "redis://x", RECIPIENTS: "a@example.com,nope" },
      "RECIPIENTS.1: is not an email address",
    ],
    [{ REDIS_URL: "redis://x", STRICT: "yes" }, "STRICT: must be true or false"],
    [
      { REDIS_URL: "redis://x", SQS_WAIT_TIME_SECONDS: "0" },
      "SQS_WAIT_TIME_SECONDS: must be 1-20 (0 would poll in a tight loop)",
    ],
    [
      { REDIS_URL: "redis://x", SQS_WAIT_TIME_SECONDS: "21" },
      "SQS_WAIT_TIME_SECONDS: must be 1-20",
    ],
    [
      { REDIS_URL: "redis://x", HANDLE_MESSAGE_TIMEOUT_SECONDS: "0" },
      "HANDLE_MESSAGE_TIMEOUT_SECONDS: must be 1-43200",
    ],
    [
      { REDIS_URL: "redis://x", HANDLE_MESSAGE_TIMEOUT_SECONDS: "soon" },
      "HANDLE_MESSAGE_TIMEOUT_SECONDS: must be a number",
    ],
    [
      { REDIS_URL: "redis://x", LOG_LEVEL: "loud" },
      "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent",
    ],
  ])("names the variable and the problem: %j", (env, problem) => {
    expect(problemsOf(env)).toContain(problem);
  });

  it("treats an empty variable as unset", () => {
    expect(problemsOf({ REDIS_URL: "" })).toEqual(["REDIS_URL: is required but not set"]);
  });
});

describe("loadConfig in a process", () => {
  it("stops with exit code 78 and a message naming the variable", () => {
    const script = [
      'import { loadConfig, commonEnvSchema, redisEnvSchema } from "@macaque/shared";',
      'loadConfig(commonEnvSchema.extend(redisEnvSchema.shape), process.env, "probe");',
      'console.log("started");',
    ].join("\n");
    const result = spawnSync(
      process.execPath,
      ["--conditions=source", "--input-type=module", "-e", script],
      { env: { PATH: process.env.PATH, REDIS_URL: "nope" }, encoding: "utf8" },
    );
    expect(result.status).toBe(78);
    expect(result.stdout).not.toContain("started");
    expect(result.stderr).toContain("probe: invalid configuration");
    expect(result.stderr).toContain("REDIS_URL: must be a redis:// or rediss:// URL");
  });
});
