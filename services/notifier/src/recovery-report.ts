import {
  formatDuration,
  formatPrecision,
  formatInstant,
  formatOffset,
  plural,
  requiresServing,
} from "@macaque/shared";
import type { EventData, GroupObservation, TargetGroupHealth } from "@macaque/shared";
import type { ControlChange } from "./control-log.ts";
import { subjectLine } from "./escape.ts";
import { idList, instanceColumns, instanceRow, requestFacts } from "./experiment-facts.ts";
import type { Fact, Report, Section, Tone } from "./report.ts";
import { stopConditionSection, stopHeadline, stopSummary } from "./stop-report.ts";
import { buildTimelineChart } from "./timeline.ts";
import { changesLine, regressionLine } from "@macaque/shared/history";
import { regressionFact, regressionSections } from "./regression-report.ts";

type RecoveryCompleted = EventData<"macaque.recovery.completed">;

/**
 * The result of an experiment: did the group heal, how fast, and against which
 * target; for an aborted one, who aborted it, when and why, and what was measured
 * until then. `controlChanges` are the halts and resumes seen while it was measured.
 */
export function buildRecoveryReport(
  data: RecoveryCompleted,
  controlChanges: readonly ControlChange[] = [],
): Report {
  const { experiment } = data;
  const recovered = data.outcome === "recovered";
  const { abort } = data;
  const verdict = verdictOf(data);
  const mttr = mttrText(data);
  const replacements = data.lastObserved?.replacements ?? [];
  const abandoned = data.outcome === "abandoned";
  const stoppedBy = data.outcome === "stopped" ? (data.stoppedBy ?? []) : undefined;
  const headline = stoppedBy
    ? `: ${stopHeadline(stoppedBy).replace(/^stopped/, "STOPPED")}`
    : recovered
      ? `: recovered in ${formatDuration(data.timeToRecoverSeconds ?? 0)}`
      : abort
        ? `: ABORTED by ${abort.by}`
        : abandoned
          ? ": recovery not measured (monitoring abandoned)"
          : data.reason?.code === "group-deleted"
            ? ": NOT recovered (group deleted)"
            : `: NOT recovered within ${formatDuration(experiment.recovery.deadlineSeconds)}`;
  const outcomeWords = stoppedBy
    ? stopHeadline(stoppedBy)
    : recovered
      ? "recovered"
      : abort
        ? "aborted"
        : abandoned
          ? "abandoned"
          : "not recovered";

  const facts: Fact[] = [
    {
      label: "Outcome",
      value: outcomeWords,
      tone: recovered && !stoppedBy ? "good" : abandoned ? "warn" : "bad",
    },
    ...(abort ? abortFacts(abort) : []),
    ...(data.reason
      ? [{ label: "Why it ended", value: data.reason.message, tone: "bad" as const }]
      : []),
    { label: "Verdict", value: verdict.text, tone: verdict.tone },
    { label: "Time to recover", value: mttr },
    ...(data.regression ? [regressionFact(data.regression)] : []),
    {
      label: "Terminated",
      value: `${plural(data.terminated.length, "instance")}: ${idList(data.terminated)}`,
    },
    { label: "Replacements", value: idList(replacements, "none seen") },
    ...requestFacts(experiment),
    { label: "Desired capacity", value: String(experiment.desiredCapacity) },
    {
      label: "Checks",
      value: `${data.checks}, every ${formatDuration(data.checkIntervalSeconds)}`,
    },
  ];

  const chart = buildTimelineChart(data.timeline, data.lastObserved?.at, {
    serving: requiresServing(experiment),
    targetGroupArns: experiment.targetGroupArns ?? [],
  });
  const targetGroups = data.targetGroups ?? [];
  const sections: Section[] = [
    ...(stoppedBy ? [stopConditionSection(stoppedBy)] : []),
    { kind: "timeline", title: "Recovery timeline", chart },
    {
      kind: "table",
      title: "Milestones",
      columns: ["Milestone", "Time", "After termination"],
      rows: chart.milestones.map((m) => [
        m.label,
        m.at ? formatInstant(m.at) : "not reached",
        m.offsetSeconds === undefined ? "" : formatOffset(m.offsetSeconds),
      ]),
      empty: "",
    },
    {
      kind: "table",
      title: "Victims",
      columns: ["Instance", "Zone", "Terminated"],
      rows: experiment.victims.map((v) => [
        v.instanceId,
        v.availabilityZone,
        data.terminated.includes(v.instanceId) ? "yes" : "no",
      ]),
      empty: "no victims",
    },
    { kind: "list", title: "Replacements", items: replacements, empty: "no replacement seen" },
  ];
  if (data.regression) sections.push(...regressionSections(data.regression, experiment.id));
  if (targetGroups.length > 0) sections.push(targetHealthSection(targetGroups, recovered));
  if (!recovered || stoppedBy) sections.push(...lastObservedSections(data.lastObserved));
  if (controlChanges.length > 0) sections.push(controlSection(controlChanges));

  return {
    kind: "recovery",
    experimentId: experiment.id,
    subject: subjectLine(
      experiment.asg,
      `${headline}${verdict.subject}${data.regression?.status === "regression" ? " - REGRESSION" : ""}`,
    ),
    title: `Recovery report: ${experiment.asg}`,
    status: {
      label: stoppedBy
        ? `Stopped by ${stoppedBy.length === 1 ? "an alarm" : "alarms"}${verdict.badge}`
        : recovered
          ? `Recovered in ${formatDuration(data.timeToRecoverSeconds ?? 0)}${verdict.badge}`
          : abort
            ? "Aborted - monitoring ended before recovery"
            : abandoned
              ? "Abandoned: the recovery was not measured to the end"
              : `Not recovered${verdict.badge}`,
      tone: recovered && !stoppedBy && data.verdict !== "fail" ? "good" : "bad",
    },
    facts,
    sections,
    summary: [
      `Outcome: ${outcomeWords}; verdict ${verdict.text}`,
      ...(data.reason ? [`Why it ended: ${data.reason.message}`] : []),
      ...stopSummary(stoppedBy ?? []),
      ...(abort
        ? [`Aborted by ${abort.by} at ${abort.at}: ${abort.reason || "no reason given"}`]
        : []),
      ...controlChanges.map(
        (c) => `macaque ${c.halted ? "halted" : "resumed"} meanwhile by ${c.by} at ${c.at}`,
      ),
      `Time to recover: ${mttr}`,
      ...(data.regression ? [regressionLine(data.regression)] : []),
      ...(data.regression && changesLine(data.regression) ? [changesLine(data.regression)!] : []),
      `Terminated (${experiment.mode}): ${idList(data.terminated)}`,
      `Replacements: ${idList(replacements, "none seen")}`,
      ...(recovered ? [] : targetGroups.map(targetGroupSummary)),
      `Experiment: ${experiment.id}`,
    ],
  };
}

function verdictOf(data: RecoveryCompleted): {
  text: string;
  tone: Tone;
  subject: string;
  badge: string;
} {
  const target = data.experiment.recovery.targetSeconds;
  if (data.verdict === "none" || target === undefined) {
    return { text: "none (no target set)", tone: "info", subject: "", badge: "" };
  }
  const pass = data.verdict === "pass";
  const word = pass ? "PASS" : "FAIL";
  return {
    text: `${word} (target ${formatDuration(target)})`,
    tone: pass ? "good" : "bad",
    subject: ` (${word})`,
    badge: ` - ${word}`,
  };
}

function abortFacts(abort: NonNullable<RecoveryCompleted["abort"]>): Fact[] {
  return [
    { label: "Aborted by", value: abort.by, tone: "bad" },
    { label: "Aborted at", value: formatInstant(abort.at) },
    { label: "Why", value: abort.reason || "no reason given" },
  ];
}

/** The halts and resumes while the experiment was measured: its recovery ran on regardless. */
function controlSection(changes: readonly ControlChange[]): Section {
  return {
    kind: "table",
    title: "Kill switch while measured (recovery was measured on)",
    columns: ["Switch", "By", "At", "Reason"],
    rows: changes.map((c) => [
      c.halted ? "halted" : "resumed",
      c.by,
      formatInstant(c.at),
      c.reason || "",
    ]),
    empty: "",
  };
}

/** A measured time is only as exact as what was seen: say how exact (a late check widens it). */
function mttrText(data: RecoveryCompleted): string {
  const precision = formatPrecision(data);
  if (data.timeToRecoverSeconds === null && data.outcome === "stopped") {
    return "none: stopped by an alarm before the group recovered";
  }
  if (data.abort && data.timeToRecoverSeconds === null) {
    return `not measured to the end: aborted after ${plural(data.checks, "check")}`;
  }
  if (data.timeToRecoverSeconds === null) {
    return `not recovered within the ${formatDuration(data.experiment.recovery.deadlineSeconds)} deadline`;
  }
  return `${formatDuration(data.timeToRecoverSeconds)} ${precision}`;
}

function lastObservedSections(observed: GroupObservation | null): Section[] {
  if (!observed) {
    return [{ kind: "note", title: "Last observed state", text: "The group was never observed." }];
  }
  return [
    {
      kind: "facts",
      title: `Last observed state (${formatInstant(observed.at)})`,
      facts: [
        { label: "Desired capacity", value: String(observed.desiredCapacity) },
        { label: "InService", value: String(observed.inService) },
        { label: "InService and healthy", value: String(observed.inServiceHealthy) },
        { label: "Pending", value: String(observed.pending) },
        { label: "Terminating", value: String(observed.terminating) },
        { label: "Victims still InService", value: idList(observed.victimsStillInService) },
      ],
    },
    {
      kind: "table",
      title: "Instances at the last check",
      columns: instanceColumns,
      rows: observed.instances.map(instanceRow),
      empty: "no instances",
    },
  ];
}

/**
 * Each target group's targets as the last check that read them saw them, with
 * ELB's reason and description: for a run that did not recover, usually the
 * answer to "why" (Target.FailedHealthChecks).
 */
function targetHealthSection(groups: readonly TargetGroupHealth[], recovered: boolean): Section {
  return {
    kind: "table",
    title: recovered ? "Target health at recovery" : "Target health at the last check",
    columns: ["Target group", "Target", "State", "Reason", "Description"],
    rows: groups.flatMap((g) =>
      g.targets.map((t) => [
        g.name,
        t.port === undefined ? t.id : `${t.id}:${t.port}`,
        t.state,
        t.reason ?? "",
        t.description ?? "",
      ]),
    ),
    empty: "no targets registered",
  };
}

/** `Target group web: 3 of 4 healthy; i-1 unhealthy (Target.FailedHealthChecks)`. */
function targetGroupSummary(group: TargetGroupHealth): string {
  const notHealthy = group.targets.filter((t) => t.state !== "healthy");
  const healthy = group.targets.length - notHealthy.length;
  const rest = notHealthy
    .map((t) => `${t.id} ${t.state}${t.reason ? ` (${t.reason})` : ""}`)
    .join(", ");
  return `Target group ${group.name}: ${healthy} of ${group.targets.length} healthy${rest ? `; ${rest}` : ""}`;
}
