import { describe, expect, it } from "vitest";
import { SimError } from "../src/errors.ts";
import { matchesInstance } from "../src/filters.ts";
import type { Ec2Instance } from "../src/model.ts";
import { paginate } from "../src/pagination.ts";

const instance: Ec2Instance = {
  id: "i-0123456789abcdef0",
  reservationId: "r-1",
  imageId: "ami-1",
  instanceType: "t3.micro",
  availabilityZone: "us-east-1a",
  privateIpAddress: "10.0.0.1",
  launchTime: 0,
  state: "running",
  stateTransitionReason: "",
  tags: [
    { key: "aws:autoscaling:groupName", value: "web" },
    { key: "macaque:enabled", value: "true" },
  ],
  groupName: "web",
};

describe("matchesInstance", () => {
  it.each([
    [[{ name: "instance-id", values: ["i-0123456789abcdef0"] }], true],
    [[{ name: "instance-state-name", values: ["stopped", "running"] }], true],
    [[{ name: "tag:macaque:enabled", values: ["true"] }], true],
    [[{ name: "tag:macaque:enabled", values: ["false"] }], false],
    [[{ name: "tag-key", values: ["macaque:*"] }], true],
    [[{ name: "tag-value", values: ["w?b"] }], true],
    [[{ name: "tag:aws:autoscaling:groupName", values: ["we"] }], false],
    [
      [
        { name: "availability-zone", values: ["us-east-1a"] },
        { name: "instance-type", values: ["m5.large"] },
      ],
      false,
    ],
  ])("%j → %s", (filters, expected) => {
    expect(matchesInstance(instance, filters)).toBe(expected);
  });

  it("rejects an unknown filter", () => {
    expect(() => matchesInstance(instance, [{ name: "colour", values: ["red"] }])).toThrow(
      "colour",
    );
  });
});

describe("paginate", () => {
  const invalid = new SimError("InvalidNextToken", "bad token");
  const items = [1, 2, 3, 4, 5];

  it("walks the pages with the tokens it hands out", () => {
    const first = paginate(items, 2, undefined, invalid);
    const second = paginate(items, 2, first.nextToken, invalid);
    const third = paginate(items, 2, second.nextToken, invalid);
    expect([first.items, second.items, third.items]).toEqual([[1, 2], [3, 4], [5]]);
    expect(third.nextToken).toBeUndefined();
  });

  it("returns everything without a page size", () => {
    expect(paginate(items, undefined, undefined, invalid)).toEqual({ items, nextToken: undefined });
  });

  it.each(["garbage", Buffer.from('{"offset":-1}').toString("base64url")])(
    "refuses token %s",
    (token) => {
      expect(() => paginate(items, 2, token, invalid)).toThrow(invalid);
    },
  );
});
