import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  paginateListSchedules,
  type GetScheduleCommandOutput,
} from "@aws-sdk/client-scheduler";
import { parseJobMessage } from "@macaque/shared";
import { selectGroups } from "@macaque/shared/select-groups";
import {
  parseScheduleExpression,
  scheduleGroupName,
  schedulerRoleName,
  type ScheduleExpression,
} from "@macaque/shared/schedule";
import { randomBytes } from "node:crypto";
import type { Aws } from "./aws.ts";
import { withAws, type CliDeps } from "./commands.ts";
import { loadCliConfig } from "./config.ts";
import { InfrastructureError, InvalidInputError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { formatPreview, previewSchedule, type PreviewInput } from "./schedule-preview.ts";
import {
  checkScheduleFlags,
  jobTarget,
  slotPlaceholder,
  type ScheduledJob,
  type ScheduleFlags,
} from "./schedule-spec.ts";

/**
 * `macaque schedule`: schedules in EventBridge Scheduler (the sandbox's stand-in
 * locally) whose target is the request queue and whose input is a job message.
 * Nothing here terminates or sends anything itself: the Scheduler sends, the
 * producer decides.
 */

/** Retried for 15 min at most: a slot the Scheduler could not deliver soon is dropped, not run hours late. */
const RETRY_POLICY = { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 10 };
/** Groups a selector's preview draws for at most (the producer refuses beyond MAX_GROUPS_PER_SELECTOR). */
const PREVIEW_GROUPS_MAX = 1_000;

/** The schedule's group, or the groups its selector matches now, as the producer will find them. */
function groupsOf(aws: Aws, job: ScheduledJob): Promise<string[]> {
  return job.selector
    ? selectGroups(aws.autoScaling(), job.selector, PREVIEW_GROUPS_MAX)
    : Promise.resolve([job.asg]);
}

export interface LoadedSchedule {
  name: string;
  state: string;
  expression: ScheduleExpression;
  timeZone: string;
  job: ScheduledJob;
  created: Date;
  raw: GetScheduleCommandOutput;
}

export async function scheduleAddCommand(
  deps: CliDeps,
  name: string,
  flags: ScheduleFlags & { paused?: boolean | undefined },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const checked = checkScheduleFlags(name, flags, randomBytes(8).toString("hex"));
  if (!checked.ok) {
    throw new InvalidInputError(
      "invalid schedule; nothing was created",
      checked.reasons.map((r) => r.message),
    );
  }
  const { spec } = checked;
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    await requireGroup(aws, group);
    const queue = (await aws.topology()).queues.requests;
    const account = queue.arn.split(":")[4];
    const roleArn =
      config.MACAQUE_SCHEDULER_ROLE_ARN ??
      `arn:aws:iam::${account}:role/${schedulerRoleName(config.MACAQUE_NAME_PREFIX)}`;
    await aws.scheduler().send(
      new CreateScheduleCommand({
        Name: spec.name,
        GroupName: group,
        ScheduleExpression: spec.expression.text,
        ScheduleExpressionTimezone: spec.timeZone,
        Description: spec.description,
        State: flags.paused ? "DISABLED" : "ENABLED",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: queue.arn, RoleArn: roleArn, Input: spec.input, RetryPolicy: RETRY_POLICY },
      }),
    );
    const { slot: _slot, ...run } = spec.job.schedule!;
    const now = new Date(deps.terminal.now());
    const groups = await groupsOf(aws, spec.job);
    const next = nextRunOf({ expression: spec.expression, run, groups, anchor: now }, now);
    const matching = spec.job.selector
      ? `  matches ${groups.length} group(s) now: ${groups.slice(0, 10).join(", ") || "none"}${groups.length > 10 ? ", ..." : ""}\n`
      : "";
    deps.terminal.out.write(
      `schedule ${spec.name} added to ${group}${flags.paused ? " (paused)" : ""}: ${spec.description}\n` +
        `  sends to ${queue.name} as ${roleArn}; next run ${next ?? "none within a year"}\n` +
        matching +
        `  macaque schedule preview ${spec.name} --days 30   # what it will do, slot by slot\n`,
    );
    return ExitCode.recovered;
  });
}

export async function scheduleListCommand(deps: CliDeps, flags: { json?: boolean | undefined }) {
  const config = loadCliConfig(deps.env);
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    await requireGroup(aws, group);
    const now = new Date(deps.terminal.now());
    const rows = [];
    for await (const page of paginateListSchedules(
      { client: aws.scheduler() },
      { GroupName: group },
    )) {
      for (const summary of page.Schedules ?? []) {
        const schedule = await loadSchedule(aws, group, summary.Name!);
        const groups = await groupsOf(aws, schedule.job);
        rows.push({ ...summaryOf(schedule), next: nextRun(schedule, groups, now) });
      }
    }
    if (flags.json) {
      deps.terminal.out.write(`${JSON.stringify(rows)}\n`);
    } else if (rows.length === 0) {
      deps.terminal.out.write(`no schedules in ${group}\n`);
    } else {
      for (const r of rows) {
        deps.terminal.out.write(
          `${r.name.padEnd(24)} ${r.state.padEnd(8)} ${r.asg.padEnd(20)} ${r.when.padEnd(44)} next: ${r.next ?? "none"}\n`,
        );
      }
    }
    return ExitCode.recovered;
  });
}

export async function scheduleShowCommand(
  deps: CliDeps,
  name: string,
  flags: { json?: boolean | undefined },
) {
  const config = loadCliConfig(deps.env);
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    const schedule = await loadSchedule(aws, group, name);
    const now = new Date(deps.terminal.now());
    const groups = await groupsOf(aws, schedule.job);
    const summary = { ...summaryOf(schedule), next: nextRun(schedule, groups, now) };
    if (flags.json) {
      const { schedule: run, ...job } = schedule.job;
      deps.terminal.out.write(
        `${JSON.stringify({ ...summary, schedule: run, job, target: schedule.raw.Target })}\n`,
      );
      return ExitCode.recovered;
    }
    const run = schedule.job.schedule!;
    const lines = [
      `schedule   ${schedule.name} (${group}), ${schedule.state}`,
      `when       ${summary.when}`,
      `time zone  ${schedule.timeZone}`,
      `blackouts  ${run.blackouts.map((b) => `${b.from}..${b.to}`).join(", ") || "none"}`,
      `seed       ${run.seed}`,
      `job        ${jobLine(schedule.job)}`,
      ...(schedule.job.selector ? [`groups     ${groups.join(", ") || "none match now"}`] : []),
      `target     ${schedule.raw.Target?.Arn} as ${schedule.raw.Target?.RoleArn}`,
      `next run   ${summary.next ?? "none within a year"}`,
    ];
    deps.terminal.out.write(`${lines.join("\n")}\n`);
    return ExitCode.recovered;
  });
}

export async function scheduleRemoveCommand(deps: CliDeps, name: string) {
  const config = loadCliConfig(deps.env);
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    await loadSchedule(aws, group, name);
    await aws.scheduler().send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
    deps.terminal.out.write(`schedule ${name} removed from ${group}\n`);
    return ExitCode.recovered;
  });
}

/** Pause or resume: UpdateSchedule replaces the whole schedule, so everything else is sent back as it was. */
export async function scheduleStateCommand(
  deps: CliDeps,
  name: string,
  state: "ENABLED" | "DISABLED",
) {
  const config = loadCliConfig(deps.env);
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    const { raw } = await loadSchedule(aws, group, name);
    await aws.scheduler().send(
      new UpdateScheduleCommand({
        Name: name,
        GroupName: group,
        ScheduleExpression: raw.ScheduleExpression,
        ScheduleExpressionTimezone: raw.ScheduleExpressionTimezone,
        StartDate: raw.StartDate,
        EndDate: raw.EndDate,
        Description: raw.Description,
        State: state,
        FlexibleTimeWindow: raw.FlexibleTimeWindow,
        Target: raw.Target,
        ActionAfterCompletion: raw.ActionAfterCompletion,
      }),
    );
    const word =
      state === "ENABLED"
        ? "resumed: it fires from its next slot on (missed slots are not fired)"
        : "paused: it fires nothing until resumed";
    deps.terminal.out.write(`schedule ${name} ${word}\n`);
    return ExitCode.recovered;
  });
}

export async function schedulePreviewCommand(
  deps: CliDeps,
  name: string,
  flags: { days?: string | undefined; from?: string | undefined; json?: boolean | undefined },
) {
  const config = loadCliConfig(deps.env);
  const days = Number(flags.days ?? "30");
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new InvalidInputError(
      `--days: "${flags.days}" is not a whole number of days from 1 to 366`,
    );
  }
  const from = flags.from === undefined ? new Date(deps.terminal.now()) : new Date(flags.from);
  if (Number.isNaN(from.getTime())) {
    throw new InvalidInputError(`--from: "${flags.from}" is not a date or time such as 2026-12-01`);
  }
  const group = scheduleGroupName(config.MACAQUE_NAME_PREFIX);
  return withAws(config, async (aws) => {
    const schedule = await loadSchedule(aws, group, name);
    const groups = await groupsOf(aws, schedule.job);
    const entries = previewSchedule({ ...previewSubject(schedule, groups), from, days });
    const target = jobTarget(schedule.job);
    const matching = schedule.job.selector ? ` (${groups.length} now: ${groups.join(", ")})` : "";
    deps.terminal.out.write(
      flags.json
        ? `${JSON.stringify(entries)}\n`
        : `${schedule.name} on ${target}${matching}, ${days} day(s) from ${from.toISOString()}, seed ${schedule.job.schedule!.seed}:\n` +
            formatPreview(entries, target, schedule.timeZone, groups.length),
    );
    return ExitCode.recovered;
  });
}

function previewSubject(
  schedule: LoadedSchedule,
  groups: readonly string[],
): Omit<PreviewInput, "from" | "days"> {
  const { slot: _slot, ...run } = schedule.job.schedule!;
  return {
    expression: schedule.expression,
    run,
    groups,
    anchor: schedule.raw.StartDate ?? schedule.created,
  };
}

/** The next slot that runs an experiment (random mode: the next drawn day), within a year. */
function nextRun(
  schedule: LoadedSchedule,
  groups: readonly string[],
  now: Date,
): string | undefined {
  if (schedule.state !== "ENABLED") return undefined;
  return nextRunOf(previewSubject(schedule, groups), now);
}

function nextRunOf(subject: Omit<PreviewInput, "from" | "days">, now: Date): string | undefined {
  // Near horizons first: a schedule that runs soon is not previewed a year ahead.
  for (const days of [8, 62, 366]) {
    const next = previewSchedule({ ...subject, from: now, days }).find((e) => e.outcome === "runs");
    if (next) return next.slot;
  }
  return undefined;
}

function summaryOf(schedule: LoadedSchedule) {
  const random = schedule.job.schedule?.random;
  const when = random
    ? `random ${random.window}, 1 day in ${random.meanDaysBetween} (${schedule.expression.text})`
    : schedule.expression.text;
  return {
    name: schedule.name,
    state: schedule.state,
    asg: jobTarget(schedule.job),
    when,
    timeZone: schedule.timeZone,
  };
}

function jobLine(job: ScheduledJob): string {
  const how = job.count !== undefined ? `${job.count} instance(s)` : `${job.percent}%`;
  return `terminate ${how} of ${jobTarget(job)}, mode ${job.mode}${job.dryRun ? ", dry run" : ""}, recovery deadline ${job.recovery.deadlineSeconds} s`;
}

async function requireGroup(aws: Aws, group: string): Promise<void> {
  try {
    await aws.scheduler().send(new GetScheduleGroupCommand({ Name: group }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    throw new InfrastructureError(
      `schedule group ${group} does not exist in ${aws.region}: deploy the CDK stack (it creates the group and the Scheduler's role), or start the sandbox`,
      { cause: err },
    );
  }
}

async function loadSchedule(aws: Aws, group: string, name: string): Promise<LoadedSchedule> {
  let raw: GetScheduleCommandOutput;
  try {
    raw = await aws.scheduler().send(new GetScheduleCommand({ Name: name, GroupName: group }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    throw new InvalidInputError(
      `no schedule ${name} in ${group} (macaque schedule list shows them)`,
      [],
      {
        cause: err,
      },
    );
  }
  const input = (raw.Target?.Input ?? "").replaceAll(slotPlaceholder, "2030-01-01T00:00:00Z");
  const parsed = parseJobMessage(input);
  if (!parsed.ok || !parsed.job.schedule) {
    throw new InvalidInputError(
      `schedule ${name} in ${group} was not made by macaque schedule add: its target input is not a scheduled job message`,
    );
  }
  return {
    name,
    state: raw.State ?? "ENABLED",
    expression: parseScheduleExpression(raw.ScheduleExpression ?? ""),
    timeZone: raw.ScheduleExpressionTimezone ?? "UTC",
    job: parsed.job,
    created: raw.CreationDate ?? new Date(),
    raw,
  };
}
