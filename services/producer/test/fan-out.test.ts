import { describe, expect, it } from "vitest";
import {
  fanOutRequestId,
  isSelectorJob,
  parseJobMessage,
  type SelectorJobMessage,
} from "@macaque/shared";
import { drawDay, parseWindow } from "@macaque/shared/schedule";
import { fanOut, parentRequestIdOf } from "../src/fan-out.ts";
import { prepareRequest } from "../src/scheduled-request.ts";

const selector = { tags: { "macaque:enabled": "true" } };
const selectorJob = (extra: object = {}): SelectorJobMessage => {
  const parsed = parseJobMessage(JSON.stringify({ selector, count: 1, ...extra }));
  if (!parsed.ok || !isSelectorJob(parsed.job)) throw new Error("not a selector job");
  return parsed.job;
};
const groups = ["api", "web", "worker"];

describe("a selector request", () => {
  it("becomes one ordinary job per group, ids derived from the parent's, the rest kept", () => {
    const job = selectorJob({ requestId: "req-1", requestedBy: "alice", seed: "s" });
    const decided = fanOut({ job, parentRequestId: "req-1", groups, maxGroups: 10 });
    expect(decided.kind).toBe("send");
    if (decided.kind !== "send") return;
    expect(decided.jobs.map((j) => [j.asg, j.requestId])).toEqual([
      ["api", "req-1:api"],
      ["web", "req-1:web"],
      ["worker", "req-1:worker"],
    ]);
    for (const { message } of decided.jobs) {
      // Each is a valid job message for its group, as the producer will parse it again.
      const parsed = parseJobMessage(JSON.stringify(message));
      expect(parsed.ok && !isSelectorJob(parsed.job)).toBe(true);
      expect(message).toMatchObject({
        requestedBy: "alice",
        seed: "s",
        count: 1,
        fanOut: { parentRequestId: "req-1", selector },
      });
      expect(message).not.toHaveProperty("selector");
    }
  });

  it("derives the same ids every time, and a hashed one for names that do not fit", () => {
    expect(fanOutRequestId("req-1", "web")).toBe(fanOutRequestId("req-1", "web"));
    const odd = fanOutRequestId("req-1", "web tier/blue");
    expect(odd).toMatch(/^fan-out:[0-9a-f]{40}$/);
    expect(fanOutRequestId("req-2", "web tier/blue")).not.toBe(odd);
    expect(fanOutRequestId("x".repeat(120), "web-frontend")).toMatch(/^fan-out:/);
  });

  it("is refused when it matches nothing, or more groups than the bound", () => {
    const job = selectorJob();
    expect(fanOut({ job, parentRequestId: "r", groups: [], maxGroups: 2 })).toEqual({
      kind: "reject",
      reason: {
        code: "selector-matched-nothing",
        path: "selector",
        message: "not terminating: no Auto Scaling group carries the tags macaque:enabled=true",
      },
    });
    const broad = fanOut({ job, parentRequestId: "r", groups, maxGroups: 2 });
    expect(broad).toMatchObject({ kind: "reject", reason: { code: "selector-too-broad" } });
  });

  it("takes a schedule's requestId from its slot, and its groups' from slot and group", () => {
    const schedule = { name: "every-web", slot: "2026-12-07T10:00:00Z", seed: "abc" };
    const job = selectorJob({ requestedBy: "schedule:every-web", schedule });
    const parent = parentRequestIdOf(job, "m-1");
    expect(parent).toBe("schedule:every-web:2026-12-07T10:00:00Z");
    const decided = fanOut({ job, parentRequestId: parent, groups, maxGroups: 10 });
    if (decided.kind !== "send") throw new Error(decided.kind);
    for (const { asg, requestId, message } of decided.jobs) {
      // The group's job carries no requestId: the producer derives the same one from the slot.
      expect(message).not.toHaveProperty("requestId");
      expect(prepareRequest(message, "m-2")).toMatchObject({
        kind: "plan",
        requestId,
        job: { requestedBy: "schedule:every-web", asg },
      });
      expect(requestId).toBe(`${parent}:${asg}`);
    }
  });

  it("refuses a fixed schedule's blackout slot once, for the parent", () => {
    const schedule = {
      name: "every-web",
      slot: "2026-12-24T10:00:00Z",
      seed: "abc",
      blackouts: [{ from: "2026-12-24", to: "2026-12-26" }],
    };
    const job = selectorJob({ schedule });
    const decided = fanOut({ job, parentRequestId: "p", groups, maxGroups: 10 });
    expect(decided).toMatchObject({ kind: "reject", reason: { code: "blackout" } });
  });

  describe("in random mode", () => {
    const random = { window: "09:00-15:00", meanDaysBetween: 2 };
    const tick = (slot: string) =>
      selectorJob({ schedule: { name: "monkey", slot, seed: "seed-7", random } });
    const drawOf = (asg: string, date: string) =>
      drawDay({
        seed: "seed-7",
        schedule: "monkey",
        asg,
        date,
        meanDaysBetween: 2,
        window: parseWindow("09:00-15:00"),
      });

    it("sends each tick only to the groups whose draw is that minute", () => {
      const date = "2031-01-07";
      const sent = new Map<string, string>();
      for (let minute = 9 * 60; minute < 15 * 60; minute += 1) {
        const at = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
        const job = tick(`${date}T${at}:00Z`);
        const decided = fanOut({
          job,
          parentRequestId: parentRequestIdOf(job, "m"),
          groups,
          maxGroups: 10,
        });
        if (decided.kind === "send") for (const j of decided.jobs) sent.set(j.asg, at);
        else expect(decided.kind).toBe("skip");
      }
      const expected = groups
        .map((asg) => [asg, drawOf(asg, date)] as const)
        .filter(([, draw]) => draw.drawn)
        .map(([asg, draw]) => [asg, draw.at]);
      expect([...sent].sort()).toEqual(expected);
    });

    it("over a month of ticks, runs each group on its drawn days only, once a day at most", () => {
      const fleet = ["a", "b", "c", "d", "e"];
      const hour = { window: "09:00-10:00", meanDaysBetween: 5 };
      const runs = new Map<string, string[]>(fleet.map((asg) => [asg, []]));
      let expected = 0;
      for (let day = 1; day <= 31; day += 1) {
        const date = `2031-03-${String(day).padStart(2, "0")}`;
        if ([0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay())) continue;
        for (const asg of fleet) {
          const draw = drawDay({
            seed: "month",
            schedule: "monkey",
            asg,
            date,
            meanDaysBetween: 5,
            window: parseWindow(hour.window),
          });
          if (draw.drawn) expected += 1;
        }
        for (let minute = 0; minute < 60; minute += 1) {
          const slot = `${date}T09:${String(minute).padStart(2, "0")}:00Z`;
          const job = selectorJob({
            schedule: { name: "monkey", slot, seed: "month", random: hour },
          });
          const decided = fanOut({ job, parentRequestId: "p", groups: fleet, maxGroups: 10 });
          if (decided.kind === "send") for (const j of decided.jobs) runs.get(j.asg)!.push(slot);
        }
      }
      const all = [...runs.values()].flat();
      expect(all).toHaveLength(expected);
      expect(all).toHaveLength(20);
      // 21 working days x 5 groups x 1/5: 21 expected, sd 4.1; this seed's count is pinned.
      expect(Math.abs(all.length - 21)).toBeLessThan(3 * 4.1);
      for (const slots of runs.values()) {
        const days = slots.map((s) => s.slice(0, 10));
        expect(new Set(days).size).toBe(days.length);
        for (let i = 1; i < slots.length; i += 1) {
          const gap = Date.parse(slots[i]!) - Date.parse(slots[i - 1]!);
          expect(gap).toBeGreaterThanOrEqual((24 - 1) * 3_600_000 + 60_000);
        }
      }
    });

    it("reports an empty selector at the window's first minute only", () => {
      const first = tick("2031-01-07T09:00:00Z");
      expect(fanOut({ job: first, parentRequestId: "p", groups: [], maxGroups: 10 }).kind).toBe(
        "reject",
      );
      const later = tick("2031-01-07T11:17:00Z");
      expect(fanOut({ job: later, parentRequestId: "p", groups: [], maxGroups: 10 }).kind).toBe(
        "skip",
      );
    });
  });
});

describe("the job message's target", () => {
  it.each([
    [{ count: 1 }, "asg: give either asg (one group) or selector"],
    [{ count: 1, asg: "web", selector }, "selector: give either asg or selector, not both"],
    [{ count: 1, selector: { tags: {} } }, "selector.tags: must name at least one tag"],
    [
      { count: 1, selector, fanOut: { parentRequestId: "p", selector } },
      "fanOut: belongs to one group's job",
    ],
    [{ count: 1, selector: { tags: { team: "a\nb" } } }, "contains control characters"],
  ])("refuses %j", (body, message) => {
    const parsed = parseJobMessage(JSON.stringify(body));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reasons.map((r) => r.message).join("; ")).toContain(message);
  });
});
