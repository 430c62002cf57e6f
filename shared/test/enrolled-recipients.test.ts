import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { listEnrolledRecipients } from "@macaque/shared/enrolled-recipients";
import { startRecipientStandIns, type RecipientStandIns } from "../../test/support/recipients.ts";

let standIns: RecipientStandIns;
beforeAll(async () => {
  standIns = await startRecipientStandIns();
});
afterAll(() => standIns?.close());

const createReportsTopic = () => standIns.createReportsTopic();
const verify = (address: string) => standIns.verify(address);
const subscribe = (topicArn: string, address: string) => standIns.subscribe(topicArn, address);
const enrol = (topicArn: string, address: string) => standIns.enrol(topicArn, address);

/** The enrolled recipients of a reports topic, with the test's clients and sender. */
const enrolledOf = (reportsTopicArn: string, senderEmail = "macaque@example.com") =>
  listEnrolledRecipients({ ses: standIns.ses, sns: standIns.sns, reportsTopicArn, senderEmail });

describe("enrolled recipients", () => {
  it("are the addresses both subscribed to the reports topic and verified in SES", async () => {
    const reportsTopicArn = await createReportsTopic();
    await enrol(reportsTopicArn, "oncall@example.com");
    await enrol(reportsTopicArn, "lead@example.com");
    await verify("other-team@example.com");
    await subscribe(reportsTopicArn, "unverified@example.com");
    expect(await enrolledOf(reportsTopicArn)).toEqual(["lead@example.com", "oncall@example.com"]);
  });

  it("leaves out a verified address subscribed only to another topic", async () => {
    const [reportsTopicArn, otherTopicArn] = await Promise.all([
      createReportsTopic(),
      createReportsTopic(),
    ]);
    await enrol(otherTopicArn, "elsewhere@example.com");
    expect(await enrolledOf(reportsTopicArn)).toEqual([]);
  });

  it("leaves out the sender and compares addresses without regard to case", async () => {
    const reportsTopicArn = await createReportsTopic();
    await enrol(reportsTopicArn, "macaque@example.com");
    await subscribe(reportsTopicArn, "Mixed.Case@Example.com");
    await verify("mixed.case@example.com");
    expect(await enrolledOf(reportsTopicArn, "Macaque@Example.com")).toEqual([
      "mixed.case@example.com",
    ]);
  });

  it("leaves out subscribers whose SES verification is still pending", async () => {
    const reportsTopicArn = await createReportsTopic();
    await enrol(reportsTopicArn, "pending@example.com");
    await fetch(`${standIns.front.url}/_ses-front/identities/pending@example.com`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ verificationStatus: "Pending" }),
    });
    expect(await enrolledOf(reportsTopicArn)).toEqual([]);
  });

  it("leaves out email-json subscriptions, which are for programs", async () => {
    const reportsTopicArn = await createReportsTopic();
    await standIns.sns.send(
      new SubscribeCommand({
        TopicArn: reportsTopicArn,
        Protocol: "email-json",
        Endpoint: "robot@example.com",
      }),
    );
    await verify("robot@example.com");
    expect(await enrolledOf(reportsTopicArn)).toEqual([]);
  });

  it("asks SES in batches of at most 100 addresses", async () => {
    const reportsTopicArn = await createReportsTopic();
    const addresses = Array.from({ length: 130 }, (_, i) => `many-${i}@example.com`);
    for (const address of addresses) await enrol(reportsTopicArn, address);
    expect(await enrolledOf(reportsTopicArn)).toEqual([...addresses].sort());
  });
});
