import { describe, expect, it } from "vitest";
import { buildRejection, salvageRequestFields, stageOf } from "../src/rejection.ts";

describe("salvageRequestFields", () => {
  it.each([
    { body: "{not json", fields: { emails: [] } },
    { body: "[1,2]", fields: { emails: [] } },
    {
      body: JSON.stringify({
        asg: "web",
        count: "two",
        requestId: "r-1",
        requestedBy: "ops",
        notify: { emails: ["a@example.com", "not-an-address", 7] },
      }),
      fields: {
        asg: "web",
        requestId: "r-1",
        requestedBy: "ops",
        emails: ["a@example.com"],
      },
    },
    {
      body: JSON.stringify({ asg: "", requestId: "has spaces", notify: "x" }),
      fields: { asg: undefined, requestId: undefined, requestedBy: undefined, emails: [] },
    },
  ])("reads what it can from $body", ({ body, fields }) => {
    expect(salvageRequestFields(body)).toEqual(fields);
  });
});

describe("stageOf", () => {
  it("calls bad JSON a parse failure and anything else a validation failure", () => {
    expect(stageOf([{ code: "invalid-json", message: "x" }])).toBe("parse");
    expect(stageOf([{ code: "invalid-field", message: "x" }])).toBe("validation");
  });
});

describe("buildRejection", () => {
  it("keeps the first 4096 characters of the body", () => {
    const rejection = buildRejection({
      experimentId: "exp-1",
      requestId: "r-1",
      fields: { emails: [] },
      stage: "parse",
      reasons: [{ code: "invalid-json", message: "not valid JSON" }],
      body: "x".repeat(5000),
      now: new Date(0),
    });
    expect(rejection.receivedBody).toHaveLength(4096);
    expect(rejection).not.toHaveProperty("asg");
  });
});
