/** The control endpoint's alarm routes (`/_sim/alarms`): create alarms, fire them, break them. */
import { z } from "zod";
import { alarmView, type Alarms } from "./alarms.ts";
import type { AlarmFaultsRequest, AlarmStateRequest, CreateAlarmRequest } from "./control-types.ts";
import type { ControlReply } from "./control-api.ts";
import { SimError } from "./errors.ts";

const stateValue = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]);

const createAlarmSchema = z.strictObject({
  name: z.string().min(1).max(255),
  type: z.enum(["MetricAlarm", "CompositeAlarm"]).optional(),
  state: stateValue.optional(),
  reason: z.string().min(1).max(1_023).optional(),
}) satisfies z.ZodType<CreateAlarmRequest>;

const alarmStateSchema = z.strictObject({
  state: stateValue,
  reason: z.string().min(1).max(1_023),
}) satisfies z.ZodType<AlarmStateRequest>;

const alarmFaultsSchema = z.strictObject({
  unreadable: z.boolean().optional(),
}) satisfies z.ZodType<AlarmFaultsRequest>;

/** `segments` are the path segments after `/_sim/alarms`. */
export function createAlarmControl(
  alarms: Alarms,
  parseBody: <T>(schema: z.ZodType<T>, text: string) => T,
) {
  return function handle(method: string, segments: string[], text: string): ControlReply {
    const [name, sub] = segments;
    const route = `${method} ${name === undefined ? "" : ":name"}${sub === undefined ? "" : `/${sub}`}`;
    switch (segments.length > 2 ? "" : route) {
      case "GET ":
        return { status: 200, body: alarms.list().map(alarmView) };
      case "POST ":
        return { status: 201, body: alarmView(alarms.create(parseBody(createAlarmSchema, text))) };
      case "DELETE ":
        alarms.reset();
        return { status: 204 };
      case "GET :name": {
        const alarm = alarms.list().find((a) => a.name === name);
        if (!alarm) throw new SimError("NotFound", `no alarm named '${name}'`, { status: 404 });
        return { status: 200, body: alarmView(alarm) };
      }
      case "DELETE :name":
        alarms.delete(name!);
        return { status: 204 };
      case "PUT :name/state":
        return {
          status: 200,
          body: alarmView(alarms.setState(name!, parseBody(alarmStateSchema, text))),
        };
      case "PUT :name/faults":
        return {
          status: 200,
          body: alarmView(alarms.setFaults(name!, parseBody(alarmFaultsSchema, text))),
        };
      default:
        throw new SimError(
          "NotFound",
          `no control route ${method} /_sim/alarms/${segments.join("/")}`,
          { status: 404 },
        );
    }
  };
}
