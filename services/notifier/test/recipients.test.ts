import { describe, expect, it } from "vitest";
import { chunkRecipients, resolveRecipients } from "../src/recipients.ts";

describe("resolveRecipients", () => {
  it("joins the event's addresses and the defaults, lower-cased and de-duplicated", () => {
    expect(
      resolveRecipients(
        ["Alice@Example.com", "bob@example.com"],
        ["alice@example.com", "SRE@example.com"],
      ),
    ).toEqual({
      addresses: ["alice@example.com", "bob@example.com", "sre@example.com"],
      dropped: [],
      outside: [],
    });
  });

  it("never e-mails outside ALLOWED_EMAIL_DOMAINS, defaults included", () => {
    expect(
      resolveRecipients(
        ["alice@corp.example", "eve@elsewhere.example"],
        ["sre@mail.corp.example", "Ops@CORP.example"],
        ["corp.example"],
      ),
    ).toEqual({
      addresses: ["alice@corp.example", "ops@corp.example"],
      dropped: [],
      outside: ["eve@elsewhere.example", "sre@mail.corp.example"],
    });
  });

  it("is empty when nobody is named and there are no defaults", () => {
    expect(resolveRecipients([], [])).toEqual({ addresses: [], dropped: [], outside: [] });
  });

  it.each([
    "not-an-address",
    "a@b",
    '"<script>"@example.com',
    "x@example.com\nBcc: victim@example.com",
    "Alice <alice@example.com>",
    "a b@example.com",
    `${"a".repeat(250)}@example.com`,
  ])("drops %j rather than hand it to SES", (bad) => {
    expect(resolveRecipients([bad, "ok@example.com"], [])).toEqual({
      addresses: ["ok@example.com"],
      dropped: [bad],
      outside: [],
    });
  });

  it("trims spaces around an address", () => {
    expect(resolveRecipients([" ops@example.com "], []).addresses).toEqual(["ops@example.com"]);
  });
});

describe("chunkRecipients", () => {
  it("splits into groups of at most 50, SES's limit per message", () => {
    const addresses = Array.from({ length: 120 }, (_, i) => `u${i}@example.com`);
    const chunks = chunkRecipients(addresses);
    expect(chunks.map((c) => c.length)).toEqual([50, 50, 20]);
    expect(chunks.flat()).toEqual(addresses);
  });

  it("has no group when there is nobody", () => {
    expect(chunkRecipients([])).toEqual([]);
  });
});
