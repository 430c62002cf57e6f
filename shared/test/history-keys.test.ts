import { describe, expect, it } from "vitest";
import {
  entryName,
  indexKeys,
  localHistoryBucket,
  parseIndexKey,
  recordKey,
  type HistoryEntry,
} from "../src/history/index.ts";

const entry = (changes: Partial<HistoryEntry> = {}): HistoryEntry => ({
  at: "2026-12-03T10:11:12.345Z",
  experimentId: "exp-1f3a9c0d2b4e6f80",
  asg: "web",
  outcome: "recovered",
  verdict: "pass",
  mode: "ec2",
  victims: 2,
  timeToRecoverSeconds: 84.25,
  precisionSeconds: 10,
  regression: true,
  requestedBy: "alice@laptop",
  ...changes,
});

describe("history keys", () => {
  it("files the record by group and start date", () => {
    expect(recordKey(entry())).toBe(
      "experiments/asg=web/date=2026-12-03/exp-1f3a9c0d2b4e6f80.json",
    );
    expect(recordKey(entry({ asg: "" }))).toBe(
      "experiments/asg=-/date=2026-12-03/exp-1f3a9c0d2b4e6f80.json",
    );
    expect(recordKey(entry({ asg: "team/web 1" }))).toContain("asg=team%2Fweb%201/");
  });

  it.each([
    ["a full entry", entry()],
    [
      "no time to recover, no requester",
      entry({
        timeToRecoverSeconds: null,
        precisionSeconds: null,
        requestedBy: undefined,
        regression: false,
      }),
    ],
    [
      "a rejected request without a group",
      entry({ asg: "", mode: "", outcome: "rejected", verdict: "none" }),
    ],
    ["awkward characters", entry({ asg: "web~1/a b", requestedBy: "x~y z/é" })],
  ])("reads back what it wrote: %s", (_, e) => {
    const { requestedBy, ...rest } = e;
    const expected = requestedBy === undefined ? rest : e;
    for (const key of indexKeys(e)) expect(parseIndexKey(key)).toEqual(expected);
  });

  it("sorts newest first in S3's ascending order", () => {
    const names = ["2026-12-01T00:00:00Z", "2026-12-03T00:00:00Z", "2026-12-02T00:00:00Z"].map(
      (at) => entryName(entry({ at: new Date(at).toISOString() })),
    );
    expect([...names].sort().map((n) => parseIndexKey(n)!.at.slice(0, 10))).toEqual([
      "2026-12-03",
      "2026-12-02",
      "2026-12-01",
    ]);
  });

  it("ignores keys that are not index entries", () => {
    expect(parseIndexKey("index/asg=web/readme.txt")).toBeUndefined();
  });

  it("names the local bucket after the prefix, as S3 allows", () => {
    expect(localHistoryBucket("chaos")).toBe("chaos-history");
    expect(localHistoryBucket("T_Sandbox")).toBe("t-sandbox-history");
  });
});
