import {
  formatDuration,
  formatInstant,
  formatOffset,
  plural,
  requiresServing,
} from "@macaque/shared";
import type { EventData, GroupObservation, TargetGroupHealth } from "@macaque/shared";
import { subjectLine } from "./escape.ts";
import { idList, instanceColumns, instanceRow, requestFacts } from "./experiment-facts.ts";
import type { Fact, Report, Section, Tone } from "./report.ts";
import { buildTimelineChart } from "./timeline.ts";
import { changesLine, regressionLine } from "@macaque/shared/history";
import { regressionFact, regressionSections } from "./regression-report.ts";

type RecoveryCompleted = EventData<"macaque.recovery.completed">;

/** The result of an experiment: did the group heal, how fast, and against which target. */
export function buildRecoveryReport(data: RecoveryCompleted): Report {
  const { experiment } = data;
  const recovered = data.outcome === "recovered";
  const verdict = verdictOf(data);
  const mttr = mttrText(data);
  const replacements = data.lastObserved?.replacements ?? [];
  const headline = recovered
    ? `: recovered in ${formatDuration(data.timeToRecoverSeconds ?? 0)}`
    : `: NOT recovered within ${formatDuration(experiment.recovery.deadlineSeconds)}`;

  const facts: Fact[] = [
    {
      label: "Outcome",
      value: recovered ? "recovered" : "not recovered",
      tone: recovered ? "good" : "bad",
    },
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
  if (!recovered) sections.push(...lastObservedSections(data.lastObserved));

  return {
    kind: "recovery",
    experimentId: experiment.id,
    subject: subjectLine(
      experiment.asg,
      `${headline}${verdict.subject}${data.regression?.status === "regression" ? " - REGRESSION" : ""}`,
    ),
    title: `Recovery report: ${experiment.asg}`,
    status: {
      label: recovered
        ? `Recovered in ${formatDuration(data.timeToRecoverSeconds ?? 0)}${verdict.badge}`
        : `Not recovered${verdict.badge}`,
      tone: recovered && data.verdict !== "fail" ? "good" : "bad",
    },
    facts,
    sections,
    summary: [
      `Outcome: ${recovered ? "recovered" : "not recovered"}; verdict ${verdict.text}`,
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

/** A time measured by polling is only as exact as the polling: say so. */
function mttrText(data: RecoveryCompleted): string {
  const precision = `± ${formatDuration(data.checkIntervalSeconds)} (the check interval)`;
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
