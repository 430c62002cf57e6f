/**
 * CloudWatch's DescribeAlarms in the wire protocol the current
 * `@aws-sdk/client-cloudwatch` speaks: AWS JSON 1.0 with query compatibility.
 * A call is `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.<Action>`
 * and a JSON body; the answer is JSON with timestamps as epoch seconds. An error
 * is `{"__type", "message"}` plus `x-amzn-query-error: <Code>;Sender`, the
 * header from which a query-compatible client takes the error's name (so
 * `Throttling` is retried as throttling).
 */
import { z } from "zod";
import type { Alarm, Alarms } from "./alarms.ts";
import type { Counters } from "./counters.ts";
import { SimError } from "./errors.ts";

export const CLOUDWATCH_TARGET_PREFIX = "GraniteServiceVersion20100801.";

/** JSON `__type` of the errors CloudWatch's model names; the header carries the query code. */
const errorShapes: Record<string, string> = {
  InvalidParameterValue: "InvalidParameterValueException",
  InvalidParameterCombination: "InvalidParameterCombinationException",
  Throttling: "ThrottlingException",
};

export interface JsonReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const alarmType = z.enum(["MetricAlarm", "CompositeAlarm"]);

const describeAlarmsSchema = z.object({
  AlarmNames: z.array(z.string().min(1).max(255)).max(100).optional(),
  AlarmNamePrefix: z.string().min(1).max(255).optional(),
  AlarmTypes: z.array(alarmType).optional(),
  StateValue: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]).optional(),
  MaxRecords: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().optional(),
  // Accepted and ignored: the simulator's alarms have no actions and no parents.
  ActionPrefix: z.string().optional(),
  ChildrenOfAlarmName: z.string().optional(),
  ParentsOfAlarmName: z.string().optional(),
});

const epochSeconds = (ms: number): number => ms / 1000;

/** What metric and composite alarms both report. */
function alarmFields(alarm: Alarm) {
  return {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: "simulated by macaque's fleet simulator",
    AlarmConfigurationUpdatedTimestamp: epochSeconds(alarm.configuredAt),
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    StateValue: alarm.state,
    StateReason: alarm.reason,
    StateUpdatedTimestamp: epochSeconds(alarm.stateUpdatedAt),
  };
}

const metricAlarm = (alarm: Alarm) => ({
  ...alarmFields(alarm),
  MetricName: "Simulated",
  Namespace: "Macaque/FleetSim",
  Statistic: "Average",
  Dimensions: [],
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: "GreaterThanOrEqualToThreshold",
});

const compositeAlarm = (alarm: Alarm) => ({
  ...alarmFields(alarm),
  AlarmRule: "FALSE",
  StateTransitionedTimestamp: epochSeconds(alarm.stateUpdatedAt),
});

function describeAlarms(alarms: Alarms, input: z.infer<typeof describeAlarmsSchema>) {
  if (input.AlarmNames && input.AlarmNamePrefix) {
    throw new SimError(
      "InvalidParameterCombination",
      "AlarmNames and AlarmNamePrefix cannot be specified together.",
    );
  }
  const types = new Set(input.AlarmTypes ?? ["MetricAlarm"]);
  const names = input.AlarmNames && new Set(input.AlarmNames);
  const matching = alarms
    .list()
    .filter((a) => types.has(a.type))
    .filter((a) => !names || names.has(a.name))
    .filter((a) => !input.AlarmNamePrefix || a.name.startsWith(input.AlarmNamePrefix))
    .filter((a) => !input.StateValue || a.state === input.StateValue);
  if (matching.some((a) => a.unreadable)) {
    throw new SimError("Throttling", "Rate exceeded", { status: 400 });
  }
  const start = input.NextToken === undefined ? 0 : Number.parseInt(input.NextToken, 10);
  if (!Number.isInteger(start) || start < 0 || start > matching.length) {
    throw new SimError("InvalidNextToken", "The service couldn't process the NextToken.");
  }
  const size = input.MaxRecords ?? 50;
  const page = matching.slice(start, start + size);
  const next = start + size < matching.length ? String(start + size) : undefined;
  return {
    MetricAlarms: page.filter((a) => a.type === "MetricAlarm").map(metricAlarm),
    CompositeAlarms: page.filter((a) => a.type === "CompositeAlarm").map(compositeAlarm),
    ...(next !== undefined && { NextToken: next }),
  };
}

export function createCloudWatchApi(deps: {
  alarms: Alarms;
  counters: Counters;
  requestId(): string;
}) {
  const { alarms, counters } = deps;

  const reply = (status: number, requestId: string, body: unknown, code?: string): JsonReply => ({
    status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      ...(code !== undefined && { "x-amzn-query-error": `${code};Sender` }),
    },
    body: JSON.stringify(body),
  });
  const fail = (err: SimError, requestId: string): JsonReply =>
    reply(
      err.status,
      requestId,
      { __type: errorShapes[err.code] ?? err.code, message: err.message },
      err.code,
    );

  /** `target` is the X-Amz-Target header, `text` the JSON body. */
  return function handle(target: string, text: string, caller?: string): JsonReply {
    const requestId = deps.requestId();
    const action = target.slice(CLOUDWATCH_TARGET_PREFIX.length);
    if (action !== "DescribeAlarms") {
      return fail(
        new SimError("UnknownOperationException", `The simulator does not implement ${action}.`),
        requestId,
      );
    }
    counters.call(action, caller);
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      return fail(new SimError("SerializationException", "The body is not valid JSON."), requestId);
    }
    const input = describeAlarmsSchema.safeParse(json);
    if (!input.success) {
      const issue = input.error.issues[0];
      return fail(
        new SimError("InvalidParameterValue", `${issue?.path.join(".")}: ${issue?.message}`),
        requestId,
      );
    }
    try {
      return reply(200, requestId, describeAlarms(alarms, input.data));
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      if (err.code === "Throttling") counters.throttle(action);
      return fail(err, requestId);
    }
  };
}
