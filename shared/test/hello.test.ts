import { expect, it } from "vitest";
import { hello } from "@macaque/shared";
it("says hi", () => {
  expect(hello()).toBe("hi");
});
