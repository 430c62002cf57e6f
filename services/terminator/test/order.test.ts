import { terminationOrderKind } from "@macaque/shared";
import { describe, expect, it } from "vitest";
import { parseOrder } from "../src/order.ts";

describe("parseOrder", () => {
  it("refuses a body that is not JSON", () => {
    const result = parseOrder("kill web");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons[0]).toMatch(/^body is not JSON/);
  });

  it("refuses an empty body", () => {
    expect(parseOrder(undefined).ok).toBe(false);
  });

  it("names the fields at fault", () => {
    const result = parseOrder(
      JSON.stringify({ kind: terminationOrderKind, orderedAt: "yesterday" }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^experiment: /),
          expect.stringMatching(/^orderedAt: /),
        ]),
      );
    }
  });

  it("refuses another kind of message", () => {
    const result = parseOrder(JSON.stringify({ kind: "something.else" }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons.some((r) => r.startsWith("kind: "))).toBe(true);
  });
});
