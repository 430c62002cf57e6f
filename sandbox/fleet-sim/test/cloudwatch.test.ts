import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  paginateDescribeAlarms,
} from "@aws-sdk/client-cloudwatch";
import { createFleetSimControl, startFleetSim } from "@macaque/fleet-sim";
import type { FleetSim, FleetSimControl } from "@macaque/fleet-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "./helpers.ts";

let sim: FleetSim;
let control: FleetSimControl;
let cloudwatch: CloudWatchClient;
let clock = Date.parse("2030-01-01T00:00:00Z");

beforeAll(async () => {
  sim = await startFleetSim({ now: () => clock });
  control = createFleetSimControl(sim.url);
  cloudwatch = cloudwatchAt(sim.url);
});

afterAll(async () => {
  cloudwatch?.destroy();
  await sim?.close();
});

function cloudwatchAt(endpoint: string, maxAttempts?: number): CloudWatchClient {
  return new CloudWatchClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    ...(maxAttempts !== undefined && { maxAttempts, retryMode: "standard" }),
  });
}

describe("the fleet simulator's CloudWatch DescribeAlarms, through the unmodified client", () => {
  it("reports an alarm's state, reason and when its state last changed", async () => {
    const name = uniqueName("web-5xx");
    const created = await control.createAlarm({ name });
    expect(created.arn).toBe(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`);
    clock += 60_000;
    await control.setAlarmState(name, { state: "ALARM", reason: "Threshold Crossed: 5xx > 10" });

    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.MetricAlarms).toHaveLength(1);
    const alarm = out.MetricAlarms![0]!;
    expect(alarm).toMatchObject({
      AlarmName: name,
      AlarmArn: created.arn,
      StateValue: "ALARM",
      StateReason: "Threshold Crossed: 5xx > 10",
    });
    expect(alarm.StateUpdatedTimestamp).toEqual(new Date(clock));
    expect(out.CompositeAlarms).toEqual([]);
  });

  it("moves StateUpdatedTimestamp only when the state changes", async () => {
    const name = uniqueName("latency");
    await control.createAlarm({ name, state: "ALARM", reason: "first" });
    const firedAt = clock;
    clock += 5_000;
    const again = await control.setAlarmState(name, { state: "ALARM", reason: "still" });
    expect(again.stateUpdatedAt).toBe(new Date(firedAt).toISOString());
    expect(again.reason).toBe("still");
  });

  it("returns composite alarms only when AlarmTypes asks for them", async () => {
    const metric = uniqueName("m");
    const composite = uniqueName("c");
    await control.createAlarm({ name: metric });
    await control.createAlarm({ name: composite, type: "CompositeAlarm", state: "ALARM" });

    const plain = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [metric, composite] }),
    );
    expect(plain.MetricAlarms?.map((a) => a.AlarmName)).toEqual([metric]);
    expect(plain.CompositeAlarms).toEqual([]);

    const both = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: [metric, composite],
        AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
      }),
    );
    expect(both.MetricAlarms?.map((a) => a.AlarmName)).toEqual([metric]);
    expect(both.CompositeAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      [composite, "ALARM"],
    ]);
  });

  it("leaves out names no alarm has, and pages with NextToken", async () => {
    const prefix = uniqueName("page");
    const names = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
    for (const name of names) await control.createAlarm({ name });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeAlarms(
      { client: cloudwatch, pageSize: 3 },
      { AlarmNames: [...names, `${prefix}-missing`] },
    )) {
      pages += 1;
      seen.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName!));
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it("filters by AlarmNamePrefix and StateValue", async () => {
    const prefix = uniqueName("filter");
    await control.createAlarm({ name: `${prefix}-a`, state: "ALARM" });
    await control.createAlarm({ name: `${prefix}-b` });
    const out = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, StateValue: "ALARM" }),
    );
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual([`${prefix}-a`]);
  });

  it("refuses more than 100 names, as CloudWatch does, with a named error", async () => {
    const names = Array.from({ length: 101 }, (_, i) => `n-${i}`);
    await expect(
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValueException",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("refuses AlarmNames with AlarmNamePrefix", async () => {
    await expect(
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["a"], AlarmNamePrefix: "a" })),
    ).rejects.toMatchObject({ name: "InvalidParameterCombinationException" });
  });

  it("answers Throttling for an unreadable alarm, which the SDK retries as throttling", async () => {
    const name = uniqueName("flaky");
    await control.createAlarm({ name });
    await control.setAlarmFaults(name, { unreadable: true });
    const before = (await control.counters()).throttled.DescribeAlarms ?? 0;
    const client = cloudwatchAt(sim.url, 2);
    try {
      const failed = await client
        .send(new DescribeAlarmsCommand({ AlarmNames: [name] }))
        .catch((err: unknown) => err);
      expect(failed).toMatchObject({ name: "Throttling", $metadata: { attempts: 2 } });
      expect(((await control.counters()).throttled.DescribeAlarms ?? 0) - before).toBe(2);
    } finally {
      client.destroy();
    }
    await control.setAlarmFaults(name, { unreadable: false });
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.MetricAlarms?.[0]?.StateValue).toBe("OK");
  });

  it("names an operation it does not implement", async () => {
    const response = await fetch(sim.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-query-error")).toBe("UnknownOperationException;Sender");
    expect(await response.json()).toMatchObject({ __type: "UnknownOperationException" });
  });

  it("control: refuses an alarm twice, a missing one, and a bad state", async () => {
    const name = uniqueName("dup");
    await control.createAlarm({ name });
    await expect(control.createAlarm({ name })).rejects.toMatchObject({ status: 409 });
    await expect(
      control.setAlarmState(uniqueName("none"), { state: "ALARM", reason: "x" }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      control.setAlarmState(name, { state: "FIRING" as "ALARM", reason: "x" }),
    ).rejects.toThrow(/state/);
    await control.deleteAlarm(name);
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.MetricAlarms).toEqual([]);
  });
});
