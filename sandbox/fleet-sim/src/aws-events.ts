/**
 * The events AWS sends to EventBridge's default bus without being asked: Auto
 * Scaling's `EC2 Instance Launch Successful` / `EC2 Instance Terminate Successful`
 * and EC2's `EC2 Instance State-change Notification`, in AWS's own envelope
 * (version, id, detail-type, source, account, time, region, resources, detail).
 * They go out best effort, as AWS's do, to one target: an SQS queue (the delivery
 * an EventBridge rule would make) or an EventBridge endpoint's PutEvents (the rule
 * there routes them).
 */
import type { Logger } from "pino";
import type { Activity, Ec2StateName, Group, Member } from "./model.ts";

export const SIM_ACCOUNT_ID = "123456789012";
const REGION = "us-east-1";

export interface AwsEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: "aws.autoscaling" | "aws.ec2";
  account: string;
  /** Whole seconds, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Where the events go; both unset: nowhere. */
export interface EventTarget {
  /** SQS queue URL: each event is sent as the body, as an EventBridge rule delivers it. */
  queueUrl?: string | undefined;
  /** Where to send SQS calls, when the queue URL's host is not reachable as such (fauxqs). */
  sqsEndpoint?: string | undefined;
  /** EventBridge endpoint: PutEvents on the default bus. */
  busUrl?: string | undefined;
  /** Only these detail types go out, as a rule's pattern would match; default all. */
  detailTypes?: string[] | undefined;
}

export type EmitEvent = (event: Omit<AwsEvent, "version" | "account" | "region">) => void;

const wholeSeconds = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
const instanceArn = (id: string): string =>
  `arn:aws:ec2:${REGION}:${SIM_ACCOUNT_ID}:instance/${id}`;

/** Auto Scaling's event for a launch or termination activity that ended Successful. */
export function activityEvent(
  id: string,
  kind: "Launch" | "Terminate",
  group: Group,
  member: Pick<Member, "instanceId" | "availabilityZone">,
  activity: Activity,
): Parameters<EmitEvent>[0] {
  const { instanceId } = member;
  const end = activity.endTime ?? activity.startTime;
  return {
    id,
    "detail-type": `EC2 Instance ${kind} Successful`,
    source: "aws.autoscaling",
    time: wholeSeconds(end),
    resources: [group.arn, instanceArn(instanceId)],
    detail: {
      StatusCode: "Successful",
      Description: activity.description,
      AutoScalingGroupName: group.name,
      ActivityId: activity.id,
      Details: { "Availability Zone": member.availabilityZone },
      RequestId: id,
      StatusMessage: "",
      EndTime: new Date(end).toISOString(),
      EC2InstanceId: instanceId,
      StartTime: new Date(activity.startTime).toISOString(),
      Cause: activity.cause,
    },
  };
}

/** EC2's event for an instance's state change (it names no group). */
export function stateChangeEvent(
  id: string,
  instanceId: string,
  state: Ec2StateName,
  at: number,
): Parameters<EmitEvent>[0] {
  return {
    id,
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    time: wholeSeconds(at),
    resources: [instanceArn(instanceId)],
    detail: { "instance-id": instanceId, state },
  };
}

/**
 * Sends events in batches of ten (SendMessageBatch or PutEvents), gathered over
 * one turn of the event loop, over plain HTTP in the AWS JSON protocols: the
 * simulator carries no SDK. A failed send is logged and dropped (best effort).
 */
export function createEventSender(options: { logger: Logger; target?: EventTarget }) {
  let target: EventTarget = { ...options.target };
  let buffer: AwsEvent[] = [];
  let scheduled = false;
  const inFlight = new Set<Promise<void>>();

  const post = async (url: string, amzTarget: string, version: string, body: unknown) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": `application/x-amz-json-${version}`,
        "x-amz-target": amzTarget,
        // Stand-ins read the region and account from here; none checks the signature.
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/events/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${amzTarget}: HTTP ${response.status} ${await response.text()}`);
  };

  const send = async (events: AwsEvent[]): Promise<void> => {
    const { queueUrl, busUrl, sqsEndpoint } = target;
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      if (queueUrl) {
        await post(
          new URL("/", sqsEndpoint ?? queueUrl).href,
          "AmazonSQS.SendMessageBatch",
          "1.0",
          {
            QueueUrl: queueUrl,
            Entries: batch.map((e, n) => ({ Id: String(n), MessageBody: JSON.stringify(e) })),
          },
        );
      }
      if (busUrl) {
        await post(busUrl, "AWSEvents.PutEvents", "1.1", {
          Entries: batch.map((e) => ({
            Source: e.source,
            DetailType: e["detail-type"],
            Detail: JSON.stringify(e.detail),
            Resources: e.resources,
            Time: e.time,
          })),
        });
      }
    }
  };

  const flush = (): void => {
    scheduled = false;
    const events = buffer;
    buffer = [];
    const sending = send(events).catch((err: unknown) =>
      options.logger.warn(
        { event: "fleet-sim.events-lost", count: events.length, err },
        "events not sent",
      ),
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };

  const emit: EmitEvent = (event) => {
    if (!target.queueUrl && !target.busUrl) return;
    if (target.detailTypes && !target.detailTypes.includes(event["detail-type"])) return;
    // In AWS's order: version, id, detail-type, source, account, time, region, resources, detail.
    const { id, source, time, resources, detail } = event;
    const detailType = event["detail-type"];
    buffer.push({
      version: "0",
      id,
      "detail-type": detailType,
      source,
      account: SIM_ACCOUNT_ID,
      time,
      region: REGION,
      resources,
      detail,
    });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return {
    emit,
    target: (): EventTarget => ({ ...target }),
    setTarget: (next: EventTarget): void => {
      target = { ...next };
    },
    /** Waits for the sends under way. */
    drain: async (): Promise<void> => void (await Promise.all(inFlight)),
  };
}
export type EventSender = ReturnType<typeof createEventSender>;
