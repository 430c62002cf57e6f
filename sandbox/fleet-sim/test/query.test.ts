import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseForm, parseParams, q, toTree } from "../src/query.ts";

describe("toTree", () => {
  it.each([
    ["Action=X&Version=1", { Action: "X", Version: "1" }],
    [
      "AutoScalingGroupNames.member.1=a&AutoScalingGroupNames.member.2=b",
      { AutoScalingGroupNames: ["a", "b"] },
    ],
    [
      "Filters.member.1.Name=tag-key&Filters.member.1.Values.member.1=k",
      { Filters: [{ Name: "tag-key", Values: ["k"] }] },
    ],
    ["InstanceId.2=i-2&InstanceId.1=i-1", { InstanceId: ["i-1", "i-2"] }],
    [
      "Filter.1.Name=tag%3Ateam&Filter.1.Value.1=a",
      { Filter: [{ Name: "tag:team", Value: ["a"] }] },
    ],
    ["ScalingProcesses=", { ScalingProcesses: "" }],
    ["Tags=&Tags.member.1.Key=k", { Tags: [{ Key: "k" }] }],
    ["LaunchTemplate.LaunchTemplateName=lt", { LaunchTemplate: { LaunchTemplateName: "lt" } }],
  ])("reads %s", (body, expected) => {
    expect(toTree(parseForm(body))).toEqual(expected);
  });

  it("keeps __proto__ keys as data", () => {
    const tree = toTree(parseForm("__proto__.polluted=yes"));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(tree).toEqual({ ["__proto__"]: { polluted: "yes" } });
  });
});

describe("parseParams", () => {
  const schema = z.object({
    MaxRecords: q.int(1, 100).optional(),
    Names: q.list(q.string()),
    Flag: q.bool().optional(),
  });

  it("types numbers, booleans and lists", () => {
    expect(
      parseParams(schema, toTree(parseForm("MaxRecords=5&Names.member.1=a&Flag=true"))),
    ).toEqual({
      MaxRecords: 5,
      Names: ["a"],
      Flag: true,
    });
    expect(parseParams(schema, toTree(parseForm("Names=")))).toEqual({ Names: [] });
  });

  it.each([
    ["MaxRecords=abc", "'MaxRecords'"],
    ["MaxRecords=500", "'MaxRecords'"],
    ["Names.member.2=", "'Names.1'"],
    ["Flag=yes", "'Flag'"],
  ])("names the parameter in %s", (body, named) => {
    expect(() => parseParams(schema, toTree(parseForm(body)))).toThrow(named);
  });
});
