import { describe, expect, it } from "vitest";
import {
  alarmNameOf,
  checkAlarms,
  describeBreach,
  judgeAlarms,
  unionOfAlarms,
  type AlarmState,
} from "@macaque/shared";

const arnOf = (name: string, account = "123456789012") =>
  `arn:aws:cloudwatch:us-east-1:${account}:alarm:${name}`;
const alarm = (name: string, state: string, changes: Partial<AlarmState> = {}): AlarmState => ({
  name,
  arn: arnOf(name),
  state,
  reason: `${name} is ${state}`,
  updatedAt: "2030-01-01T00:00:05.000Z",
  ...changes,
});

describe("stop-condition alarms", () => {
  it.each([
    ["web-5xx", "web-5xx"],
    [arnOf("web-5xx"), "web-5xx"],
    [arnOf("name:with:colons"), "name:with:colons"],
    ["arn-like-but-a-name", "arn-like-but-a-name"],
  ])("reads the alarm name of %s", (ref, name) => {
    expect(alarmNameOf(ref)).toBe(name);
  });

  it("takes each alarm once, the job's first", () => {
    expect(unionOfAlarms(["a", "b"], ["b", "c"], [])).toEqual(["a", "b", "c"]);
  });

  it.each([
    ["OK", []],
    ["INSUFFICIENT_DATA", []],
    [
      "ALARM",
      [
        {
          alarm: "web",
          kind: "in-alarm",
          state: "ALARM",
          reason: "web is ALARM",
          firedAt: "2030-01-01T00:00:05.000Z",
        },
      ],
    ],
  ])("judges an alarm in %s", (state, breaches) => {
    expect(judgeAlarms(["web"], [alarm("web", state)])).toEqual(breaches);
  });

  it("counts an alarm nothing matches as missing, an ARN matching only its own account", () => {
    const found = [alarm("web", "OK", { arn: arnOf("web", "999999999999") })];
    expect(judgeAlarms(["gone", arnOf("web")], found)).toEqual([
      { alarm: "gone", kind: "missing", reason: "the alarm does not exist" },
      { alarm: arnOf("web"), kind: "missing", reason: "the alarm does not exist" },
    ]);
    expect(judgeAlarms([arnOf("web", "999999999999")], found)).toEqual([]);
  });

  it("reads names, not ARNs, and fails closed when the read fails", async () => {
    const asked: string[][] = [];
    const ok = await checkAlarms(["a", arnOf("b")], async (names) => {
      asked.push(names);
      return [alarm("a", "OK"), alarm("b", "ALARM")];
    });
    expect(asked).toEqual([["a", "b"]]);
    expect(ok.map((b) => [b.alarm, b.kind])).toEqual([[arnOf("b"), "in-alarm"]]);

    const throttled = Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
    const failed = await checkAlarms(["a", "b"], async () => Promise.reject(throttled));
    expect(failed).toEqual([
      { alarm: "a", kind: "unreadable", reason: "Throttling: Rate exceeded" },
      { alarm: "b", kind: "unreadable", reason: "Throttling: Rate exceeded" },
    ]);
  });

  it("reads nothing when the experiment names no alarm", async () => {
    let calls = 0;
    expect(await checkAlarms([], async () => (calls++, []))).toEqual([]);
    expect(calls).toBe(0);
  });

  it("puts each breach in words", () => {
    expect(
      describeBreach({
        alarm: "web",
        kind: "in-alarm",
        state: "ALARM",
        reason: "5xx > 10",
        firedAt: "2030-01-01T00:00:05.000Z",
      }),
    ).toBe('alarm "web" is in ALARM since 2030-01-01T00:00:05.000Z: 5xx > 10');
    expect(describeBreach({ alarm: "web", kind: "missing", reason: "" })).toBe(
      'alarm "web" does not exist',
    );
    expect(describeBreach({ alarm: "web", kind: "unreadable", reason: "Throttling: x" })).toBe(
      'alarm "web" could not be read (Throttling: x); an alarm that cannot be read counts as in ALARM',
    );
  });
});
