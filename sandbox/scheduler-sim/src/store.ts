import { isTimeZone, parseScheduleExpression, scheduleNamePattern } from "@macaque/shared/schedule";
import { z } from "zod";

/**
 * The schedules and schedule groups the stand-in holds, checked the way
 * EventBridge Scheduler checks them, with its error names (the SDK maps them to
 * ResourceNotFoundException, ConflictException, ValidationException).
 */

export class SchedulerApiError extends Error {
  override name = "SchedulerApiError";
  readonly type: "ResourceNotFoundException" | "ConflictException" | "ValidationException";
  readonly status: number;
  constructor(type: SchedulerApiError["type"], status: number, message: string) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

const notFound = (message: string) =>
  new SchedulerApiError("ResourceNotFoundException", 404, message);
const invalid = (message: string) => new SchedulerApiError("ValidationException", 400, message);

/** The body of CreateSchedule and UpdateSchedule (the fields the stand-in keeps). */
export const scheduleBodySchema = z.looseObject({
  GroupName: z.string().optional(),
  ScheduleExpression: z.string(),
  ScheduleExpressionTimezone: z.string().optional(),
  StartDate: z.number().optional(),
  EndDate: z.number().optional(),
  Description: z.string().max(512).optional(),
  State: z.enum(["ENABLED", "DISABLED"]).optional(),
  FlexibleTimeWindow: z.looseObject({
    Mode: z.enum(["OFF", "FLEXIBLE"]),
    MaximumWindowInMinutes: z.number().optional(),
  }),
  Target: z.looseObject({
    Arn: z.string().min(1),
    RoleArn: z.string().min(1),
    Input: z.string().optional(),
    RetryPolicy: z.looseObject({}).optional(),
    DeadLetterConfig: z.looseObject({}).optional(),
    SqsParameters: z.looseObject({}).optional(),
  }),
  ActionAfterCompletion: z.enum(["NONE", "DELETE"]).optional(),
});
export type ScheduleBody = z.infer<typeof scheduleBodySchema>;

export interface StoredSchedule extends ScheduleBody {
  Name: string;
  GroupName: string;
  Arn: string;
  State: "ENABLED" | "DISABLED";
  CreationDate: number;
  LastModificationDate: number;
  /** Sim-clock ms up to which its slots have been fired. */
  firedUntil: number;
}

export interface StoredGroup {
  Name: string;
  Arn: string;
  State: "ACTIVE";
  CreationDate: number;
  LastModificationDate: number;
}

export function createStore(options: { region: string; account: string; now(): number }) {
  const { region, account } = options;
  const groups = new Map<string, StoredGroup>();
  const schedules = new Map<string, StoredSchedule>();
  const key = (group: string, name: string) => `${group}/${name}`;
  const seconds = () => options.now() / 1000;

  const addGroup = (name: string): StoredGroup => {
    const at = seconds();
    const group: StoredGroup = {
      Name: name,
      Arn: `arn:aws:scheduler:${region}:${account}:schedule-group/${name}`,
      State: "ACTIVE",
      CreationDate: at,
      LastModificationDate: at,
    };
    groups.set(name, group);
    return group;
  };
  addGroup("default");

  const checkBody = (body: ScheduleBody) => {
    try {
      parseScheduleExpression(body.ScheduleExpression);
    } catch (err) {
      throw invalid(`Invalid Schedule Expression ${body.ScheduleExpression}: ${String(err)}`);
    }
    const zone = body.ScheduleExpressionTimezone;
    if (zone !== undefined && !isTimeZone(zone)) throw invalid(`Invalid time zone ${zone}.`);
    if (!/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(body.Target.Arn)) {
      throw invalid(`The stand-in fires SQS targets only; ${body.Target.Arn} is not a queue ARN.`);
    }
  };
  const groupOf = (name: string | undefined): StoredGroup => {
    const group = groups.get(name ?? "default");
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  };

  return {
    createGroup(name: string): StoredGroup {
      if (!scheduleNamePattern.test(name)) throw invalid(`Invalid schedule group name ${name}.`);
      if (groups.has(name)) {
        throw new SchedulerApiError("ConflictException", 409, `${name} already exists.`);
      }
      return addGroup(name);
    },
    getGroup: (name: string) => groupOf(name),
    listGroups: () => [...groups.values()],
    create(name: string, body: ScheduleBody): StoredSchedule {
      if (!scheduleNamePattern.test(name)) throw invalid(`Invalid schedule name ${name}.`);
      const group = groupOf(body.GroupName);
      checkBody(body);
      if (schedules.has(key(group.Name, name))) {
        throw new SchedulerApiError("ConflictException", 409, `Schedule ${name} already exists.`);
      }
      const at = seconds();
      const schedule: StoredSchedule = {
        ...body,
        Name: name,
        GroupName: group.Name,
        Arn: `arn:aws:scheduler:${region}:${account}:schedule/${group.Name}/${name}`,
        State: body.State ?? "ENABLED",
        CreationDate: at,
        LastModificationDate: at,
        firedUntil: options.now(),
      };
      schedules.set(key(group.Name, name), schedule);
      return schedule;
    },
    update(name: string, body: ScheduleBody): StoredSchedule {
      const existing = this.get(name, body.GroupName);
      checkBody(body);
      const schedule: StoredSchedule = {
        ...body,
        Name: name,
        GroupName: existing.GroupName,
        Arn: existing.Arn,
        State: body.State ?? "ENABLED",
        CreationDate: existing.CreationDate,
        LastModificationDate: seconds(),
        // A schedule that was paused does not fire the slots it missed when resumed.
        firedUntil: Math.max(existing.firedUntil, options.now()),
      };
      schedules.set(key(existing.GroupName, name), schedule);
      return schedule;
    },
    get(name: string, group: string | undefined): StoredSchedule {
      const found = schedules.get(key(group ?? "default", name));
      if (!found) throw notFound(`Schedule ${name} does not exist.`);
      return found;
    },
    remove(name: string, group: string | undefined): void {
      this.get(name, group);
      schedules.delete(key(group ?? "default", name));
    },
    list: (): StoredSchedule[] => [...schedules.values()],
  };
}
export type ScheduleStore = ReturnType<typeof createStore>;
