import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, publishEvent, type AnyCloudEvent } from "@macaque/shared";
import {
  createS3Client,
  listHistory,
  readRecord,
  type HistoryEntry,
} from "@macaque/shared/history";
import { readInbox, sandboxCredentials, startStack, type Stack } from "@macaque/sandbox";
import { snsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { startOutageProxy, type OutageProxy } from "../../../test/support/outage-proxy.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitFor, waitUntil } from "../../../test/support/wait.ts";
import {
  dryRunPlannedData,
  event,
  experiment,
  recoveryCompletedData,
  rejectedData,
  terminationFailedData,
} from "./fixtures.ts";

/**
 * The notifier archives every kind of experiment end in the history bucket
 * exactly once — through duplicate deliveries and an S3 outage — and the
 * report goes out while S3 is down. fauxqs serves S3 behind a proxy that the
 * test takes down and brings back.
 */

let stack: Stack;
let notifier: TestService;
let sns: SNSClient;
let s3: S3Client;
let proxy: OutageProxy;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("archive") });
  sns = snsAt(stack.endpoints.sns);
  s3 = createS3Client({
    region: stack.region,
    endpoint: stack.endpoints.s3,
    credentials: sandboxCredentials,
  });
  proxy = await startOutageProxy(stack.endpoints.s3);
  notifier = await startTestService(stack, "notifier", {
    senderEmail: "chaos@example.com",
    env: { AWS_ENDPOINT_URL_S3: proxy.url, AWS_MAX_ATTEMPTS: "2" },
  });
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await proxy?.close();
  sns?.destroy();
  s3?.destroy();
  await stack?.stop();
});

const unique = (label: string) => `exp-${label}-${randomBytes(4).toString("hex")}`;
const publish = (e: AnyCloudEvent) => publishEvent(sns, stack.topology.topics.events.arn, e);
const keysUnder = async (prefix: string): Promise<string[]> =>
  (
    await s3.send(new ListObjectsV2Command({ Bucket: stack.historyBucket, Prefix: prefix }))
  ).Contents?.map((o) => o.Key ?? "") ?? [];
const objectsNaming = async (experimentId: string): Promise<string[]> =>
  (await keysUnder("")).filter((k) => k.includes(experimentId));
const emailsAbout = async (experimentId: string) =>
  (await readInbox(stack.endpoints.inbox)).filter((e) => e.text.includes(experimentId));
const archivedLog = (experimentId: string, count = 1) =>
  notifier.waitForLog("experiment.archived", experimentId, { count });

function endsOfEveryKind(): { kind: string; event: AnyCloudEvent; outcome: string }[] {
  const recovered = recoveryCompletedData({ experiment: experiment({ id: unique("rec") }) });
  const failed = terminationFailedData();
  failed.experiment = { ...failed.experiment, id: unique("tf") };
  const dry = dryRunPlannedData({ id: unique("dry") });
  const rejected = rejectedData({ experimentId: unique("rej") });
  return [
    {
      kind: "recovery",
      outcome: "recovered",
      event: event(EventType.recoveryCompleted, recovered, recovered.experiment.id),
    },
    {
      kind: "termination-failure",
      outcome: "termination-failed",
      event: event(EventType.terminationFailed, failed, failed.experiment.id),
    },
    {
      kind: "dry-run",
      outcome: "dry-run",
      event: event(EventType.experimentPlanned, dry, dry.experiment.id),
    },
    {
      kind: "rejection",
      outcome: "rejected",
      event: event(EventType.experimentRejected, rejected, rejected.experimentId),
    },
  ];
}

describe("the archive", () => {
  it("archives every kind of experiment end exactly once when each event is delivered twice", async () => {
    const ends = endsOfEveryKind();
    for (const end of ends) {
      await publish(end.event);
      await publish(end.event);
    }
    for (const end of ends) {
      const id = end.event.subject;
      await archivedLog(id, 2);
      const objects = await objectsNaming(id);
      // One record, one id pointer, the group's index entry and the all-groups one.
      expect(objects.filter((k) => k.startsWith("experiments/"))).toHaveLength(1);
      expect(objects.filter((k) => k.startsWith("index/id/"))).toHaveLength(1);
      expect(objects.filter((k) => k.startsWith("index/asg="))).toHaveLength(1);
      expect(objects.filter((k) => k.startsWith("index/all/"))).toHaveLength(1);
      expect(objects).toHaveLength(4);
      const record = await readRecord(s3, stack.historyBucket, id);
      expect(record).toMatchObject({ experimentId: id, kind: end.kind, outcome: end.outcome });
      expect((record!.report as { html: string }).html).toContain("<html");
      expect((record!.event as { id: string }).id).toBe(end.event.id);
      expect(await emailsAbout(id)).toHaveLength(1);
    }
    const rejected = ends.find((e) => e.kind === "rejection")!.event;
    const listed = await listHistory(s3, stack.historyBucket, {
      asg: "web",
      filter: (e: HistoryEntry) => e.experimentId === rejected.subject,
    });
    expect(listed.entries).toEqual([
      expect.objectContaining({ outcome: "rejected", asg: "web", requestedBy: "ops@example.com" }),
    ]);
  }, 60_000);

  it("sends the report during an S3 outage and archives the experiment once S3 is back", async () => {
    const data = recoveryCompletedData({ experiment: experiment({ id: unique("outage") }) });
    const id = data.experiment.id;
    const retried = () =>
      notifier.metric(
        "macaque_messages_handled_total",
        'queue="notifications"',
        'outcome="retried"',
      );
    const retriedBefore = await retried();
    proxy.down();
    await publish(event(EventType.recoveryCompleted, data, id));
    // The e-mail goes out although S3 refuses: the write comes after it.
    await waitFor("the report e-mail", async () => (await emailsAbout(id)).length > 0 || undefined);
    await waitUntil("a retried delivery", async () => (await retried()) > retriedBefore, 30_000);
    expect(proxy.refused).toBeGreaterThan(0);
    expect(await objectsNaming(id)).toEqual([]);
    proxy.up();
    await archivedLog(id);
    expect(await objectsNaming(id)).toHaveLength(4);
    // The redelivery skipped the recorded steps: still one e-mail.
    expect(await emailsAbout(id)).toHaveLength(1);
    expect(notifier.logged("report.duplicate", id).length).toBeGreaterThan(0);
  }, 60_000);
});
