import { describe, expect, it } from "vitest";
import { emailDomainReasons, senderReason } from "../src/allow-lists.ts";

describe("the sender allow-list", () => {
  const allowed = ["123456789012", "AROAEXAMPLEROLEID1234"];

  it("admits everyone while it is empty", () => {
    expect(senderReason("AIDASOMEONE", [])).toBeUndefined();
    expect(senderReason(undefined, [])).toBeUndefined();
  });

  it.each(["123456789012", "AROAEXAMPLEROLEID1234", "AROAEXAMPLEROLEID1234:ecs-task-1"])(
    "admits %s",
    (sender) => expect(senderReason(sender, allowed)).toBeUndefined(),
  );

  it.each([
    ["AIDAOTHERUSER", "sent by AIDAOTHERUSER, which is not in ALLOWED_SENDER_IDS"],
    ["AROAEXAMPLEROLEID12345", "sent by AROAEXAMPLEROLEID12345, which"],
    ["123456789012x", "sent by 123456789012x, which"],
    [undefined, "sent by an unknown sender (SQS gave no SenderId)"],
  ])("refuses %s, naming the sender", (sender, message) => {
    const reason = senderReason(sender, allowed);
    expect(reason?.code).toBe("sender-not-allowed");
    expect(reason?.message).toContain(message);
  });
});

describe("the e-mail domain allow-list", () => {
  it("refuses each address outside it, by path, and nothing while it is empty", () => {
    const emails = ["a@corp.example", "b@evil.example", "c@mail.corp.example", "D@CORP.EXAMPLE"];
    expect(emailDomainReasons(emails, [])).toEqual([]);
    const reasons = emailDomainReasons(emails, ["corp.example"]);
    expect(reasons.map((r) => [r.code, r.path])).toEqual([
      ["email-domain-not-allowed", "notify.emails.1"],
      ["email-domain-not-allowed", "notify.emails.2"],
    ]);
    expect(reasons[0]!.message).toBe(
      "notify.emails.1: b@evil.example is outside ALLOWED_EMAIL_DOMAINS (corp.example): reports go only to those domains",
    );
  });
});
