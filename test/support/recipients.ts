/**
 * The stand-ins report recipients live in: SES identities (the SES front) and
 * `email` subscriptions on a reports topic (fauxqs), with what `macaque
 * recipients add` does to them. For tests of who is mailed.
 */
import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { randomUUID } from "node:crypto";
import { awsClientConfig } from "@macaque/shared";
import { startSesFront, type SesFront } from "@macaque/ses-front";
import { sandboxCredentials, startFauxqs, type RunningProcess } from "@macaque/sandbox";

/** An SDK client for a stand-in: one attempt, a short timeout. */
export const clientAt = <C>(Client: new (config: object) => C, endpoint: string): C =>
  new Client({
    ...awsClientConfig({ region: "us-east-1", maxAttempts: 1, requestTimeoutMs: 2_000 }),
    endpoint,
    credentials: sandboxCredentials,
  });

export interface RecipientStandIns {
  front: SesFront;
  fauxqs: RunningProcess<string>;
  ses: SESClient;
  sns: SNSClient;
  /** A reports topic of its own, for each test. */
  createReportsTopic(): Promise<string>;
  verify(address: string, client?: SESClient): Promise<unknown>;
  subscribe(topicArn: string, address: string): Promise<unknown>;
  /** What `macaque recipients add` does: subscribe, then verify. */
  enrol(topicArn: string, address: string): Promise<void>;
  close(): Promise<void>;
}

// Identity actions are answered by the front itself; nothing is forwarded.
export const startSesFrontAlone = () => startSesFront({ upstreamUrl: "http://127.0.0.1:9" });

export async function startRecipientStandIns(): Promise<RecipientStandIns> {
  const [front, fauxqs] = await Promise.all([startSesFrontAlone(), startFauxqs()]);
  const ses = clientAt(SESClient, front.url);
  const sns = clientAt(SNSClient, fauxqs.ready);
  const verify = (address: string, client = ses) =>
    client.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
  const subscribe = (topicArn: string, address: string) =>
    sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "email", Endpoint: address }));
  return {
    front,
    fauxqs,
    ses,
    sns,
    async createReportsTopic() {
      const out = await sns.send(new CreateTopicCommand({ Name: `t-reports-${randomUUID()}` }));
      return out.TopicArn!;
    },
    verify,
    subscribe,
    async enrol(topicArn, address) {
      await subscribe(topicArn, address);
      await verify(address);
    },
    async close() {
      ses.destroy();
      sns.destroy();
      await Promise.all([front.close(), fauxqs.stop()]);
    },
  };
}
