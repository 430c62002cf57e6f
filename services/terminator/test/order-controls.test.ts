import { describe, expect, it } from "vitest";
import type { AbortRecord, HaltRecord } from "@macaque/shared";
import { createOrderControls } from "../src/order-controls.ts";

const at = "2030-01-01T00:00:00.000Z";
const halted: HaltRecord = { halted: true, by: "ops", at, reason: "incident" };

/** An in-memory control store that counts its reads; `state` can change between reads. */
function storeOf(state: { halt?: HaltRecord; aborts: Map<string, AbortRecord> }) {
  const reads = { halt: 0, aborts: 0, order: 0, orderIds: [] as string[][] };
  return {
    reads,
    store: {
      readHalt: async () => (reads.halt++, state.halt),
      readAborts: async () => (reads.aborts++, new Map(state.aborts)),
      readOrderControls: async (ids: readonly string[]) => {
        reads.order++;
        reads.orderIds.push([...ids]);
        // The state is read when the call goes out; the answer comes a moment later.
        const answer = ids.map((experimentId) => {
          const abort = state.aborts.get(experimentId);
          return { experimentId, ...(state.halt && { halt: state.halt }), ...(abort && { abort }) };
        });
        await new Promise((r) => setTimeout(r, 5));
        return answer;
      },
    },
  };
}

describe("the order controls", () => {
  it("screens the orders of one window with one read of the switch and the aborts", async () => {
    let now = 0;
    const state = { aborts: new Map<string, AbortRecord>() } as {
      halt?: HaltRecord;
      aborts: Map<string, AbortRecord>;
    };
    state.aborts.set("exp-b", { experimentId: "exp-b", by: "ops", at, reason: "wrong group" });
    const { store, reads } = storeOf(state);
    const controls = createOrderControls(store, { screenWindowMs: 1000, now: () => now });

    expect(await controls.screen("exp-a")).toBeUndefined();
    expect(await controls.screen("exp-b")).toMatchObject({ code: "aborted" });
    expect(reads).toMatchObject({ halt: 1, aborts: 1 });

    // A halt within the window is not seen by the screen yet...
    state.halt = halted;
    expect(await controls.screen("exp-c")).toBeUndefined();
    // ...but the read right before a terminate call is never shared.
    expect(await controls.refusal("exp-c")).toMatchObject({ code: "halted" });
    expect(await controls.refusal("exp-c")).toMatchObject({ code: "halted" });
    expect(reads.order).toBe(2);

    now += 1000;
    expect(await controls.screen("exp-c")).toMatchObject({ code: "halted" });
    expect(reads).toMatchObject({ halt: 2, aborts: 2 });
  });

  it("reads for every order with a window of 0", async () => {
    const { store, reads } = storeOf({ aborts: new Map() });
    const controls = createOrderControls(store);
    await Promise.all([controls.screen("a"), controls.screen("b")]);
    expect(reads).toMatchObject({ halt: 2, aborts: 2 });
  });

  it("answers orders ready together with one read, and never with a read older than the order", async () => {
    const state = { aborts: new Map<string, AbortRecord>() } as {
      halt?: HaltRecord;
      aborts: Map<string, AbortRecord>;
    };
    state.aborts.set("b", { experimentId: "b", by: "ops", at, reason: "wrong group" });
    const { store, reads } = storeOf(state);
    const controls = createOrderControls(store);

    const together = await Promise.all(["a", "b", "c"].map((id) => controls.refusal(id)));
    expect(together.map((r) => r?.code)).toEqual([undefined, "aborted", undefined]);
    expect(reads.orderIds).toEqual([["a", "b", "c"]]);

    // "d" and "e" go out together; "f" asks while their read is under way, and the
    // switch is set right after: f's read starts after its question, so it sees the
    // halt, which the read begun before it missed.
    const early = [controls.refusal("d"), controls.refusal("e")];
    await new Promise((r) => setTimeout(r, 0));
    const lateOne = controls.refusal("f");
    state.halt = halted;
    const [d, e, f] = await Promise.all([...early, lateOne]);
    expect(d?.code).toBeUndefined();
    expect(e?.code).toBeUndefined();
    expect(f?.code).toBe("halted");
  });

  it("reads nine orders at most in one call (the switch and nine aborts: GetParameters' ten)", async () => {
    const { store, reads } = storeOf({ aborts: new Map() });
    const controls = createOrderControls(store);
    await Promise.all(Array.from({ length: 20 }, (_, i) => controls.refusal(`x-${i}`)));
    expect(reads.orderIds.map((ids) => ids.length)).toEqual([9, 9, 2]);
  });
});
