import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFauxqs } from "@macaque/sandbox";
import { createSchedulerSimControl, startSchedulerSim, type SchedulerSim } from "../src/index.ts";
import { receiveAndDelete, sandboxClient, sqsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { waitFor } from "../../../test/support/wait.ts";

/**
 * The stand-in through the unmodified @aws-sdk/client-scheduler: the calls
 * `macaque schedule` makes, the errors it relies on, and firing onto a real
 * (fauxqs) queue with EventBridge's context attributes filled in.
 */
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sim: SchedulerSim;
let scheduler: SchedulerClient;
let queue: { url: string; arn: string };
const group = uniquePrefix("sched");
const control = () => createSchedulerSimControl(sim.url);

beforeAll(async () => {
  fauxqs = await startFauxqs();
  const sqs = sqsAt(fauxqs.ready);
  sim = await startSchedulerSim({ sqs, region: "us-east-1", logger: pino({ level: "silent" }) });
  scheduler = sandboxClient(SchedulerClient, sim.url);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${group}-q` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  queue = { url: QueueUrl!, arn: Attributes!.QueueArn! };
  await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
}, 60_000);
afterAll(async () => {
  await sim?.close();
  await fauxqs?.stop();
});

const schedule = (name: string, changes: Partial<CreateScheduleCommandInput> = {}) =>
  new CreateScheduleCommand({
    Name: name,
    GroupName: group,
    ScheduleExpression: "rate(1 hour)",
    FlexibleTimeWindow: { Mode: "OFF" },
    Target: {
      Arn: queue.arn,
      RoleArn: "arn:aws:iam::000000000000:role/chaos-scheduler",
      Input: '{"slot":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}',
    },
    ...changes,
  });

describe("the Scheduler API", () => {
  it("creates, reads, updates, lists and deletes a schedule as the SDK expects", async () => {
    const created = await scheduler.send(
      schedule("one", { ScheduleExpressionTimezone: "Europe/Dublin" }),
    );
    expect(created.ScheduleArn).toBe(
      `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/one`,
    );
    const got = await scheduler.send(new GetScheduleCommand({ Name: "one", GroupName: group }));
    expect(got).toMatchObject({
      Name: "one",
      GroupName: group,
      State: "ENABLED",
      ScheduleExpressionTimezone: "Europe/Dublin",
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    await scheduler.send(
      new UpdateScheduleCommand({
        ...got,
        Name: "one",
        GroupName: group,
        ScheduleExpression: got.ScheduleExpression!,
        FlexibleTimeWindow: got.FlexibleTimeWindow!,
        Target: got.Target!,
        State: "DISABLED",
      }),
    );
    await scheduler.send(schedule("two"));
    const page = await scheduler.send(
      new ListSchedulesCommand({ GroupName: group, MaxResults: 1 }),
    );
    expect(page.Schedules?.map((s) => [s.Name, s.State])).toEqual([["one", "DISABLED"]]);
    const rest = await scheduler.send(
      new ListSchedulesCommand({ GroupName: group, NextToken: page.NextToken }),
    );
    expect(rest.Schedules?.map((s) => s.Name)).toEqual(["two"]);
    await scheduler.send(new DeleteScheduleCommand({ Name: "one", GroupName: group }));
    await scheduler.send(new DeleteScheduleCommand({ Name: "two", GroupName: group }));
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: "one", GroupName: group })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("answers with the errors the SDK names: conflict, not found, invalid expression", async () => {
    await scheduler.send(schedule("dup"));
    await expect(scheduler.send(schedule("dup"))).rejects.toBeInstanceOf(ConflictException);
    await expect(
      scheduler.send(schedule("x", { GroupName: "no-such-group" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const bad = scheduler.send(schedule("bad", { ScheduleExpression: "cron(0 10 * * MON *)" }));
    await expect(bad).rejects.toBeInstanceOf(ValidationException);
    await expect(bad).rejects.toThrow("put ? in exactly one");
  });
});

describe("firing", () => {
  it("sends a fired slot to the target queue with the context attributes filled in", async () => {
    await scheduler.send(
      schedule("fire-me", { ScheduleExpression: "cron(0 10 ? * MON-FRI 2031)" }),
    );
    await control().fire(group, "fire-me", "2031-01-06T10:00:00Z");
    const sqs = sqsAt(fauxqs.ready);
    const [message] = await waitFor("the fired message", async () => {
      const got = await receiveAndDelete(sqs, queue.url);
      return got.length > 0 ? got : undefined;
    });
    expect(JSON.parse(message!.Body!)).toEqual({
      slot: "2031-01-06T10:00:00Z",
      arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/fire-me`,
    });
  });

  it("fires each slot the clock passes, in order, and none of a disabled schedule", async () => {
    const now = await control().now();
    await scheduler.send(
      schedule("hourly", { StartDate: new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000) }),
    );
    await scheduler.send(schedule("off", { State: "DISABLED" }));
    const { fired } = await control().advance(3 * 3600 + 60);
    const mine = fired.filter((f) => f.group === group && ["hourly", "off"].includes(f.name));
    expect(mine.map((f) => f.name)).toEqual(["hourly", "hourly", "hourly"]);
    const slots = mine.map((f) => Date.parse(f.slot));
    expect(slots.every((s) => s % 3_600_000 === 0)).toBe(true);
    expect(slots[1]! - slots[0]!).toBe(3_600_000);
  });
});
