import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsClientConfig, createLogger } from "@macaque/shared";
import { startSesFront, type SesFront } from "@macaque/ses-front";
import { sandboxCredentials } from "@macaque/sandbox";
import { createEnrolledRecipients } from "../src/enrolled-recipients.ts";

const logger = createLogger({ service: "test", level: "silent" });
let front: SesFront;
let ses: SESClient;

beforeAll(async () => {
  // Identity actions are answered by the front itself; nothing is forwarded here.
  front = await startSesFront({ upstreamUrl: "http://127.0.0.1:9" });
  ses = new SESClient({
    ...awsClientConfig({ region: "us-east-1" }),
    endpoint: front.url,
    credentials: sandboxCredentials,
  });
});
afterAll(async () => {
  ses?.destroy();
  await front?.close();
});

const enrol = (address: string) =>
  ses.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));

describe("enrolled recipients", () => {
  it("are the verified email identities except the sender, read through a cache", async () => {
    let clock = 0;
    const enrolled = createEnrolledRecipients({
      ses,
      senderEmail: "Macaque@example.com",
      logger,
      ttlMs: 1_000,
      now: () => clock,
    });
    await enrol("macaque@example.com");
    await enrol("oncall@example.com");
    await enrol("lead@example.com");
    expect((await enrolled()).sort()).toEqual(["lead@example.com", "oncall@example.com"]);

    await enrol("late@example.com");
    expect(await enrolled()).not.toContain("late@example.com");
    clock += 1_000;
    expect(await enrolled()).toContain("late@example.com");
  });

  it("leaves out identities whose verification is still pending", async () => {
    await enrol("pending@example.com");
    await fetch(`${front.url}/_ses-front/identities/pending@example.com`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ verificationStatus: "Pending" }),
    });
    const enrolled = createEnrolledRecipients({ ses, senderEmail: "macaque@example.com", logger });
    expect(await enrolled()).not.toContain("pending@example.com");
  });

  it("keeps the last known list when SES cannot be asked", async () => {
    let clock = 0;
    let answer: SESClient = ses;
    const unreachable = new SESClient({
      ...awsClientConfig({ region: "us-east-1", maxAttempts: 1, requestTimeoutMs: 500 }),
      endpoint: "http://127.0.0.1:9",
      credentials: sandboxCredentials,
    });
    // The same SES client object answers, then stops answering.
    const switching = { send: (command: never) => answer.send(command) } as unknown as SESClient;
    const enrolled = createEnrolledRecipients({
      ses: switching,
      senderEmail: "macaque@example.com",
      logger,
      ttlMs: 1_000,
      now: () => clock,
    });
    await enrol("kept@example.com");
    const known = await enrolled();
    expect(known).toContain("kept@example.com");
    answer = unreachable;
    clock += 1_000;
    expect(await enrolled()).toEqual(known);
    unreachable.destroy();
  });
});
