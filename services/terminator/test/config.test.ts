import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@macaque/shared";
import { terminatorEnvSchema } from "../src/config.ts";

const base = { REDIS_URL: "redis://127.0.0.1:6379" };

describe("terminator config", () => {
  it("excludes macaque:exclude=true by default", () => {
    expect(parseEnv(terminatorEnvSchema, base).EXCLUDE_TAG).toEqual({
      key: "macaque:exclude",
      value: "true",
    });
  });

  it("reads EXCLUDE_TAG as key=value, the key ending at the first =", () => {
    expect(parseEnv(terminatorEnvSchema, { ...base, EXCLUDE_TAG: "team=a=b" }).EXCLUDE_TAG).toEqual(
      {
        key: "team",
        value: "a=b",
      },
    );
    expect(parseEnv(terminatorEnvSchema, { ...base, EXCLUDE_TAG: "chaos=" }).EXCLUDE_TAG).toEqual({
      key: "chaos",
      value: "",
    });
  });

  it.each(["nokey", "=true"])("names EXCLUDE_TAG when it is %j", (value) => {
    expect(() => parseEnv(terminatorEnvSchema, { ...base, EXCLUDE_TAG: value })).toThrow(
      expect.objectContaining({
        name: ConfigError.name,
        message: expect.stringContaining("EXCLUDE_TAG: must be key=value"),
      }),
    );
  });

  it("requires REDIS_URL", () => {
    expect(() => parseEnv(terminatorEnvSchema, {})).toThrow(/REDIS_URL: is required but not set/);
  });
});
