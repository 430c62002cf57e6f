import { describe, expect, it } from "vitest";
import {
  controlEnvSchema,
  controlNames,
  liveExperiments,
  orderRefusal,
  readAbortValue,
  readHaltValue,
  type InFlightRecord,
} from "../src/control.ts";

const halt = {
  halted: true,
  by: "arn:aws:iam::1:user/ops",
  at: "2030-01-01T00:00:00.000Z",
  reason: "incident",
};
const abort = {
  experimentId: "exp-1",
  by: "ops",
  at: "2030-01-01T00:01:00.000Z",
  reason: "wrong group",
};

describe("the kill switch's value", () => {
  it.each([
    ["never set", undefined, undefined],
    ["on", JSON.stringify(halt), halt],
    ["off", JSON.stringify({ ...halt, halted: false }), { ...halt, halted: false }],
  ])("reads a switch %s as it is", (_, value, expected) => {
    expect(readHaltValue(value)).toEqual(expected);
  });

  it.each([
    ["not JSON", "yes"],
    ["not a record", '{"halted":"no"}'],
    ["empty", "{}"],
  ])("counts a value that is %s as halted (fails closed), quoting it", (_, value) => {
    const read = readHaltValue(value);
    expect(read?.halted).toBe(true);
    expect(read?.reason).toContain(value);
  });

  it("still aborts with an abort value that is not a record", () => {
    expect(readAbortValue("exp-2", "x")).toMatchObject({ experimentId: "exp-2", by: "unknown" });
  });
});

describe("orderRefusal", () => {
  it("lets an order through when nothing stops it, or the switch is off", () => {
    expect(orderRefusal(undefined, undefined)).toBeUndefined();
    expect(orderRefusal({ ...halt, halted: false }, undefined)).toBeUndefined();
  });

  it("refuses with halted, naming who, when and why; the switch wins over an abort", () => {
    expect(orderRefusal(halt, abort)).toEqual({
      code: "halted",
      message:
        "macaque is halted (by arn:aws:iam::1:user/ops, at 2030-01-01T00:00:00.000Z): incident",
    });
  });

  it("refuses an aborted experiment with aborted", () => {
    expect(orderRefusal({ ...halt, halted: false }, abort)).toEqual({
      code: "aborted",
      message: "experiment exp-1 was aborted (by ops, at 2030-01-01T00:01:00.000Z): wrong group",
    });
  });
});

describe("liveExperiments", () => {
  const note = (id: string, plannedAt: string, endsBy: string): InFlightRecord => ({
    experimentId: id,
    asg: "web",
    plannedAt,
    endsBy,
  });
  it("lists notes whose lease has not ended, oldest first, with their abort", () => {
    const now = new Date("2030-01-01T00:10:00.000Z");
    const live = liveExperiments(
      [
        note("exp-b", "2030-01-01T00:05:00.000Z", "2030-01-01T00:20:00.000Z"),
        note("exp-stale", "2030-01-01T00:00:00.000Z", "2030-01-01T00:09:59.000Z"),
        note("exp-1", "2030-01-01T00:01:00.000Z", "2030-01-01T00:20:00.000Z"),
      ],
      new Map([["exp-1", abort]]),
      now,
    );
    expect(live.map((e) => e.experimentId)).toEqual(["exp-1", "exp-b"]);
    expect(live[0]!.abort).toEqual(abort);
    expect(live[1]!.abort).toBeUndefined();
  });
});

describe("CONTROL_PARAMETER_PATH", () => {
  it("defaults to /macaque and names the switch, the aborts and the notes under it", () => {
    const path = controlEnvSchema.parse({}).CONTROL_PARAMETER_PATH;
    expect(path).toBe("/macaque");
    const names = controlNames(path);
    expect([names.halt, names.abort("exp-1"), names.experiment("exp-1")]).toEqual([
      "/macaque/halt",
      "/macaque/aborts/exp-1",
      "/macaque/experiments/exp-1",
    ]);
  });

  it.each(["macaque", "/macaque/", "/aws/x", "/has space", "/a//b"])("refuses %j", (path) => {
    expect(controlEnvSchema.safeParse({ CONTROL_PARAMETER_PATH: path }).success).toBe(false);
  });
});
