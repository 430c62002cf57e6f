import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsClientConfig } from "@macaque/shared";
import { listEnrolledRecipients } from "@macaque/shared/enrolled-recipients";
import { startSesFront, type SesFront } from "@macaque/ses-front";
import { sandboxCredentials, startFauxqs, type RunningProcess } from "@macaque/sandbox";

let front: SesFront;
let ses: SESClient;
let fauxqs: RunningProcess<string>;
let sns: SNSClient;

const clientAt = <C>(Client: new (config: object) => C, endpoint: string): C =>
  new Client({
    ...awsClientConfig({ region: "us-east-1", maxAttempts: 1, requestTimeoutMs: 2_000 }),
    endpoint,
    credentials: sandboxCredentials,
  });

// Identity actions are answered by the front itself; nothing is forwarded here.
const startFront = () => startSesFront({ upstreamUrl: "http://127.0.0.1:9" });

beforeAll(async () => {
  [front, fauxqs] = await Promise.all([startFront(), startFauxqs()]);
  ses = clientAt(SESClient, front.url);
  sns = clientAt(SNSClient, fauxqs.ready);
});
afterAll(async () => {
  ses?.destroy();
  sns?.destroy();
  await Promise.all([front?.close(), fauxqs?.stop()]);
});

/** A reports topic of its own for each test. */
async function createReportsTopic(): Promise<string> {
  const out = await sns.send(new CreateTopicCommand({ Name: `t-reports-${randomUUID()}` }));
  return out.TopicArn!;
}
const verify = (address: string, client = ses) =>
  client.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
const subscribe = (topicArn: string, address: string) =>
  sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "email", Endpoint: address }));
/** What `macaque recipients add` does. */
const enrol = async (topicArn: string, address: string) => {
  await subscribe(topicArn, address);
  await verify(address);
};

/** The enrolled recipients of a reports topic, with the test's clients and sender. */
const enrolledOf = (reportsTopicArn: string, senderEmail = "macaque@example.com") =>
  listEnrolledRecipients({ ses, sns, reportsTopicArn, senderEmail });

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
    await fetch(`${front.url}/_ses-front/identities/pending@example.com`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ verificationStatus: "Pending" }),
    });
    expect(await enrolledOf(reportsTopicArn)).toEqual([]);
  });

  it("leaves out email-json subscriptions, which are for programs", async () => {
    const reportsTopicArn = await createReportsTopic();
    await sns.send(
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
