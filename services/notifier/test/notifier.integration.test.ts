import type { SNSClient } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventType,
  poisonReasonAttribute,
  publishEvent,
  type AnyCloudEvent,
  type CloudEvent,
} from "@macaque/shared";
import { readInbox, startStack, type InboxEmail, type Stack } from "@macaque/sandbox";
import { snsAt, sqsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { openTestTap, type TestTap } from "../../../test/support/event-tap.ts";
import { openReportsInbox, type ReportsInbox } from "../../../test/support/reports-inbox.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitFor, waitUntil } from "../../../test/support/wait.ts";
import {
  dryRunPlannedData,
  event,
  experiment,
  recoveryCompletedData,
  rejectedData,
} from "./fixtures.ts";

/**
 * The notifier as its own process against the sandbox: events go in on the
 * events topic, emails come out of SES (aws-ses-v2-local's store) and
 * summaries out of the reports topic.
 */

let stack: Stack;
let notifier: TestService;
let sqs: SQSClient;
let sns: SNSClient;
let tap: TestTap;
let reports: ReportsInbox;

const sender = "chaos@example.com";
const startNotifier = (env: Record<string, string> = {}) =>
  startTestService(stack, "notifier", { senderEmail: sender, env });
/** The running notifier's first log line about `experimentId` that names a report kind. */
const reportLogFor = (experimentId: string) =>
  notifier.waitForLine(
    `a report log line for ${experimentId}`,
    (l) => l.experimentId === experimentId && l.kind !== undefined,
    10_000,
  );

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("notifier") });
  sqs = sqsAt(stack.endpoints.sqs);
  sns = snsAt(stack.endpoints.sns);
  tap = await openTestTap(stack, { filterPolicy: { type: [EventType.reportSent] } });
  reports = await openReportsInbox(stack);
  notifier = await startNotifier({ DEFAULT_RECIPIENTS: "SRE@example.com" });
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await tap?.close();
  reports?.close();
  sqs?.destroy();
  sns?.destroy();
  await stack?.stop();
});

const uniqueId = (label: string) => `exp-${label}-${randomBytes(4).toString("hex")}`;
const publish = (e: AnyCloudEvent | CloudEvent) =>
  publishEvent(sns, stack.topology.topics.events.arn, e);
const reportSentFor = (experimentId: string) =>
  tap.waitForEvent(experimentId, EventType.reportSent);
const emailsAbout = async (experimentId: string): Promise<InboxEmail[]> =>
  (await readInbox(stack.endpoints.inbox)).filter((e) => e.text.includes(experimentId));

const summaryWithSubject = (subject: string) =>
  reports.waitForSummary(
    `a summary "${subject}" on the reports topic`,
    (s) => s.subject === subject,
  );

const handled = (outcome: string) =>
  notifier.metric(
    "macaque_messages_handled_total",
    'queue="notifications"',
    `outcome="${outcome}"`,
  );
const untilHandled = (outcome: string, count: number) =>
  waitUntil(
    `the notifier to have handled ${count} messages (${outcome})`,
    async () => (await handled(outcome)) >= count,
  );

describe("notifier", () => {
  it("is ready once Redis answers", async () => {
    const response = await fetch(`${notifier.url}/readyz`);
    expect(response.status).toBe(200);
  });

  it("emails a recovery report to the requester and the defaults and publishes its summary", async () => {
    const id = uniqueId("rec");
    const data = recoveryCompletedData({ experiment: experiment({ id }) });
    await publish(event(EventType.recoveryCompleted, data, id));

    const sent = await reportSentFor(id);
    expect(sent.data).toMatchObject({
      experimentId: id,
      reportKind: "recovery",
      recipients: ["alice@example.com", "sre@example.com"],
      subject: "[macaque] web: recovered in 42 s (PASS)",
    });
    const [email, ...more] = await emailsAbout(id);
    expect(more).toEqual([]);
    expect(email!.from).toBe(sender);
    // aws-ses-v2-local's SendEmail keeps only the first To address; the event lists them all.
    expect(email!.to).toEqual(["alice@example.com"]);
    expect(email!.subject).toBe("[macaque] web: recovered in 42 s (PASS)");
    expect(email!.text).toContain("42 s ± 10 s");
    expect(email!.html).toContain("i-0000001e");
    expect(email!.html).toMatch(/<td class="bar bar-boot" width="47%"/);
    expect(sent.data.sesMessageId).toBe(email!.messageId);

    const summary = await summaryWithSubject(email!.subject);
    expect(summary.message).toContain("Time to recover: 42 s");
    expect(summary.message).toContain(id);
    expect(
      await notifier.metric("macaque_reports_published_total", 'kind="recovery"'),
    ).toBeGreaterThanOrEqual(1);
    expect(await notifier.metric("macaque_emails_sent_total")).toBeGreaterThanOrEqual(1);
    expect(await reportLogFor(id)).toMatchObject({
      event: "report.sent",
      msg: "sent recovery report to 2 recipients",
      recipients: 2,
    });
  });

  it("sends one email for an event delivered twice, even at the same time", async () => {
    const id = uniqueId("dup");
    const e = event(
      EventType.recoveryCompleted,
      recoveryCompletedData({ experiment: experiment({ id }) }),
      id,
    );
    const before = await handled("done");
    await Promise.all([publish(e), publish(e)]);
    // A copy that found the other one's claim is retried a couple of seconds later.
    await reportSentFor(id);
    await untilHandled("done", before + 2);
    await tap.drain();
    expect(await emailsAbout(id)).toHaveLength(1);
    expect(tap.eventsOf(id)).toHaveLength(1);
  });

  it("reports a rejection with every reason, escaping what the requester wrote", async () => {
    const id = uniqueId("rej");
    const hostile = `<script>alert(1)</script>"onerror="x`;
    const data = rejectedData({
      experimentId: id,
      asg: `web${hostile}`,
      requestedBy: hostile,
      notify: { emails: ["Bob@Example.com", "not an address"] },
      reasons: [
        { code: "not-opted-in", message: `group web${hostile} is not tagged macaque:enabled=true` },
        { code: "invalid-field", path: "count", message: "count: must be at least 1" },
      ],
      receivedBody: `{"asg":"web${hostile}"}`,
    });
    await publish(event(EventType.experimentRejected, data, id));
    const sent = await reportSentFor(id);
    expect(sent.data.reportKind).toBe("rejection");
    const [email] = await emailsAbout(id);
    expect(email!.to).toEqual(["bob@example.com"]);
    expect(sent.data.recipients).toEqual(["bob@example.com", "sre@example.com"]);
    expect(email!.subject).toMatch(
      /^\[macaque\] web<script>alert\(1\)<\/script>"onerror="x: request rejected \(2 reasons\)$/,
    );
    expect(email!.html).not.toContain("<script");
    expect(email!.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onerror=&quot;x");
    expect(email!.text).toContain("count: must be at least 1 [invalid-field]");
    expect(email!.text).toContain("is not tagged macaque:enabled=true [not-opted-in]");
  });

  it("reports a dry run's plan, and nothing for a plan that is not a dry run", async () => {
    const real = uniqueId("real");
    const dry = uniqueId("dry");
    const before = await handled("done");
    await publish(
      event(EventType.experimentPlanned, dryRunPlannedData({ id: real, dryRun: false }), real),
    );
    await publish(event(EventType.experimentPlanned, dryRunPlannedData({ id: dry }), dry));

    const sent = await reportSentFor(dry);
    expect(sent.data.reportKind).toBe("dry-run");
    const [email] = await emailsAbout(dry);
    expect(email!.subject).toBe("[macaque] web: dry run, would terminate 2 of 3 eligible");
    expect(email!.text).toContain("demo-seed");
    expect(email!.text).toContain("tagged macaque:exclude=true");

    // Both plans have been handled: the real one left no trace.
    await untilHandled("done", before + 2);
    await tap.drain();
    expect(await emailsAbout(real)).toEqual([]);
    expect(tap.eventsOf(real)).toEqual([]);
  });

  it("moves a message that is not an event straight to the dead-letter queue, with the reason", async () => {
    const before = await handled("poison");
    const body = JSON.stringify({ hello: uniqueId("world") });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.topology.queues.notifications.url,
        MessageBody: body,
      }),
    );
    await untilHandled("poison", before + 1);
    const dead = await waitFor("the message in the notifications dead-letter queue", async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.topology.queues.notifications.deadLetter.url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
        }),
      );
      return out.Messages?.find((m) => m.Body === body);
    });
    expect(dead.MessageAttributes?.[poisonReasonAttribute]?.StringValue).toMatch(
      /^not a macaque event: /,
    );
  });

  it("publishes the summary but sends no email when there is nobody to email", async () => {
    await notifier.stop();
    notifier = await startNotifier();
    const id = uniqueId("nobody");
    const data = recoveryCompletedData({
      experiment: experiment({ id, asg: "lonely", notify: { emails: [] } }),
    });
    await publish(event(EventType.recoveryCompleted, data, id));
    const sent = await reportSentFor(id);
    expect(sent.data).toMatchObject({ recipients: [] });
    expect(sent.data.sesMessageId).toBeUndefined();
    const summary = await summaryWithSubject("[macaque] lonely: recovered in 42 s (PASS)");
    expect(summary.message).toContain(id);
    expect(await emailsAbout(id)).toEqual([]);
    // The log does not claim a report went out by mail that went to nobody.
    expect(await reportLogFor(id)).toMatchObject({
      event: "report.published",
      msg: "published recovery report; no recipients to e-mail",
      recipients: 0,
    });
    expect(
      notifier.logs.filter((l) => l.experimentId === id && String(l.msg).startsWith("sent")),
    ).toEqual([]);
  });
});
