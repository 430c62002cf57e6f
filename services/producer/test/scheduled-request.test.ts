import { describe, expect, it } from "vitest";
import { isSelectorJob, parseJobMessage, type JobMessage } from "@macaque/shared";
import { drawDay, parseWindow } from "@macaque/shared/schedule";
import { prepareRequest } from "../src/scheduled-request.ts";

const job = (extra: object): JobMessage => {
  const parsed = parseJobMessage(JSON.stringify({ asg: "web", count: 1, ...extra }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reasons));
  if (isSelectorJob(parsed.job)) throw new Error("not one group's job");
  return parsed.job;
};
const schedule = {
  name: "weekday-web",
  slot: "2026-12-07T10:00:00Z",
  timeZone: "Europe/Dublin",
  seed: "abc",
  blackouts: [{ from: "2026-12-24", to: "2027-01-02" }],
};

describe("a job message from a schedule", () => {
  it("keeps a plain job's requestId, or the SQS message id", () => {
    expect(prepareRequest(job({ requestId: "r-1" }), "m-1")).toMatchObject({
      kind: "plan",
      requestId: "r-1",
    });
    expect(prepareRequest(job({}), "m-1")).toMatchObject({ kind: "plan", requestId: "m-1" });
  });

  it("is named by schedule and slot, asked for by schedule:NAME, seeded by seed and slot", () => {
    const prepared = prepareRequest(job({ schedule }), "m-1");
    expect(prepared).toMatchObject({
      kind: "plan",
      requestId: "schedule:weekday-web:2026-12-07T10:00:00Z",
      job: { requestedBy: "schedule:weekday-web", seed: "abc:2026-12-07T10:00:00Z" },
      schedule: { name: "weekday-web", slot: "2026-12-07T10:00:00Z", seed: "abc" },
    });
  });

  it("is the same request whichever SQS message carried it", () => {
    const a = prepareRequest(job({ schedule }), "m-1");
    const b = prepareRequest(job({ schedule }), "m-2");
    expect(a).toEqual(b);
  });

  it("is refused on a blackout day with code blackout", () => {
    const prepared = prepareRequest(
      job({ schedule: { ...schedule, slot: "2026-12-28T10:00:00Z" } }),
      "m",
    );
    expect(prepared).toMatchObject({
      kind: "refuse",
      code: "blackout",
      requestId: "schedule:weekday-web:2026-12-28T10:00:00Z",
    });
  });

  it("runs in random mode only at the drawn minute, recording the draw", () => {
    const random = { window: "09:00-15:00", meanDaysBetween: 1 }; // drawn every day
    const draw = drawDay({
      seed: "abc",
      schedule: "weekday-web",
      asg: "web",
      date: "2026-12-07",
      meanDaysBetween: 1,
      window: parseWindow("09:00-15:00"),
    });
    // Dublin keeps GMT in December: the local minute is the UTC one.
    const at = (slot: string) =>
      prepareRequest(job({ schedule: { ...schedule, slot, random } }), "m");
    const drawnSlot = `2026-12-07T${draw.at}:00Z`;
    expect(at(drawnSlot)).toMatchObject({
      kind: "plan",
      schedule: { draw: { drawn: true, at: draw.at } },
    });
    const nextMinute = new Date(Date.parse(drawnSlot) + 60_000).toISOString().replace(".000Z", "Z");
    expect(at(nextMinute)).toMatchObject({ kind: "skip", reason: "not-drawn" });
  });
});
