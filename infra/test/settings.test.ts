import { describe, expect, it } from "vitest";
import { SettingsError, parseSettings } from "../src/settings.ts";

const required = { senderEmail: "chaos@example.com" };

describe("parseSettings", () => {
  it("fills in the defaults the services use", () => {
    expect(parseSettings(required)).toMatchObject({
      namePrefix: "chaos",
      optInTag: { key: "macaque:enabled", value: "true" },
      excludeTag: { key: "macaque:exclude", value: "true" },
      maxInstancesPerExperiment: 10,
      maxPercentOfGroup: 50,
      minInServiceAfter: 1,
      defaultRecipients: [],
      natGateways: 1,
      cacheReplicas: 1,
      cacheSnapshotDays: 7,
      logRetentionDays: 30,
    });
  });

  it.each([
    [
      "a comma-separated string",
      "a@example.com, b@example.com",
      ["a@example.com", "b@example.com"],
    ],
    ["a JSON array", ["a@example.com"], ["a@example.com"]],
    ["an empty string", "", []],
  ])("reads default recipients from %s", (_, value, wanted) => {
    expect(parseSettings({ ...required, defaultRecipients: value }).defaultRecipients).toEqual(
      wanted,
    );
  });

  it("reads numbers given as strings on the command line", () => {
    const settings = parseSettings({ ...required, maxPercentOfGroup: "25", natGateways: "0" });
    expect(settings).toMatchObject({ maxPercentOfGroup: 25, natGateways: 0 });
  });

  it.each([
    [{}, "senderEmail: is required (-c senderEmail=...)"],
    [{ ...required, maxPercentOfGroup: "150" }, "maxPercentOfGroup: must be 1-100"],
    [{ ...required, logRetentionDays: 31 }, "logRetentionDays: must be one of 1, 3, 5"],
    [{ ...required, vpcId: "default" }, "vpcId: must be a VPC id"],
    [{ ...required, optInTag: "enabled" }, "optInTag: must be key=value"],
    [{ ...required, defaultRecipients: "ops" }, "defaultRecipients.0: must be email addresses"],
    [{ ...required, stopAlarms: "arn:aws:sns:x" }, "stopAlarms.0: must be an alarm name"],
    [
      { ...required, image: "a:1", ecrRepository: "b" },
      "image: give either image or ecrRepository",
    ],
  ])("refuses %j naming the context key", (context, message) => {
    expect(() => parseSettings(context)).toThrow(SettingsError);
    expect(() => parseSettings(context)).toThrow(message);
  });
});
