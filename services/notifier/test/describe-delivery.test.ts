import { describe, expect, it } from "vitest";
import { describeDelivery } from "../src/handle-event.ts";

describe("describeDelivery", () => {
  it.each([
    [
      "an email SES took",
      2,
      { performed: ["email", "summary", "event"], sesMessageIds: ["m-1"] },
      { event: "report.sent", message: "sent recovery report to 2 recipients" },
    ],
    [
      "nobody to email",
      0,
      { performed: ["summary", "event"], sesMessageIds: [] },
      { event: "report.published", message: "published recovery report; no recipients to e-mail" },
    ],
    [
      "every email refused",
      1,
      { performed: ["email-rejected", "summary", "event"], sesMessageIds: [] },
      { event: "report.published", message: "published recovery report; SES refused every e-mail" },
    ],
    [
      "a redelivery with every step done",
      1,
      { performed: [], sesMessageIds: ["m-1"] },
      { event: "report.duplicate", message: "already sent: nothing to do" },
    ],
  ] as const)("says what was done for %s", (_, recipients, outcome, expected) => {
    expect(
      describeDelivery("recovery", recipients, {
        performed: [...outcome.performed],
        sesMessageIds: [...outcome.sesMessageIds],
      }),
    ).toEqual(expected);
  });
});
