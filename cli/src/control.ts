/**
 * `macaque halt`, `resume`, `status` and `abort`: the operator's controls in SSM
 * Parameter Store (shared/control.ts names them). Halts and resumes are also
 * published on the events topic, so the notifier reports them and watchers see
 * them. Who did it is the STS caller's ARN, or user@host where no STS answers
 * (the sandbox).
 */
import {
  EventType,
  createEvent,
  describeAbort,
  describeHalt,
  liveExperiments,
  operatorEventSource,
  publishEvent,
  type AbortRecord,
  type HaltRecord,
} from "@macaque/shared";
import { createControlStore, type ControlStore } from "@macaque/shared/control-store";
import type { Aws } from "./aws.ts";
import { InvalidInputError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import type { Output } from "./live-view.ts";
import { printable } from "./render.ts";

export interface ControlDeps {
  aws: Aws;
  out: Output;
  path: string;
  /** Who acts when STS cannot say (user@host). */
  requestedBy?: string | undefined;
  now(): Date;
}

const maxReason = 1_000;

/** A reason is required for a halt and an abort: whoever reads the report must learn why. */
export function checkReason(reason: string | undefined, required: boolean): string {
  const text = (reason ?? "").trim();
  if (required && text === "") throw new InvalidInputError("--reason TEXT is required: say why");
  if (text.length > maxReason) {
    throw new InvalidInputError(`--reason is ${text.length} characters; at most ${maxReason}`);
  }
  return text;
}

export function checkExperimentId(id: string): string {
  if (!/^exp-[0-9a-f]{16}$/.test(id)) {
    throw new InvalidInputError(
      `"${id}" is not an experiment id (exp- and 16 hex digits, as run, send and status print)`,
    );
  }
  return id;
}

const storeOf = (deps: ControlDeps): ControlStore =>
  createControlStore({ ssm: deps.aws.ssm(), path: deps.path });

async function actor(deps: ControlDeps): Promise<string> {
  const account = await deps.aws.account();
  if ("arn" in account && account.arn) return account.arn;
  return deps.requestedBy ?? "unknown";
}

/** Sets the switch, then announces it: the switch is what stops chaos, the event what tells people. */
async function setSwitch(deps: ControlDeps, halted: boolean, reason: string): Promise<HaltRecord> {
  const store = storeOf(deps);
  const record: HaltRecord = {
    halted,
    by: await actor(deps),
    at: deps.now().toISOString(),
    reason,
  };
  await store.writeHalt(record);
  const topology = await deps.aws.topology();
  const type = halted ? EventType.controlHalted : EventType.controlResumed;
  await publishEvent(
    deps.aws.sns(),
    topology.topics.events.arn,
    createEvent(type, {
      source: operatorEventSource,
      subject: `${halted ? "halt" : "resume"}/${record.at}`,
      data: { ...record, parameter: store.names.halt },
      now: new Date(record.at),
    }),
  );
  return record;
}

export async function halt(deps: ControlDeps, reason: string): Promise<ExitCode> {
  const record = await setSwitch(deps, true, reason);
  deps.out.write(
    `${printable(describeHalt(record))}\n` +
      "every new request is refused and no pending order is carried out; experiments already terminated are still measured and reported\n" +
      "macaque resume --reason TEXT lifts it\n",
  );
  return ExitCode.recovered;
}

export async function resume(deps: ControlDeps, reason: string): Promise<ExitCode> {
  const before = await storeOf(deps).readHalt();
  if (!before?.halted) {
    deps.out.write("macaque is not halted: nothing to resume\n");
    return ExitCode.recovered;
  }
  const record = await setSwitch(deps, false, reason);
  deps.out.write(
    printable(
      `macaque resumed by ${record.by} at ${record.at} (halted by ${before.by} at ${before.at}: ${before.reason})\n`,
    ),
  );
  return ExitCode.recovered;
}

export async function abort(deps: ControlDeps, experimentId: string, reason: string) {
  const store = storeOf(deps);
  const record: AbortRecord = {
    experimentId,
    by: await actor(deps),
    at: deps.now().toISOString(),
    reason,
  };
  await store.writeAbort(record);
  const inFlight = await store.readInFlight();
  const known = inFlight.some((r) => r.experimentId === experimentId);
  deps.out.write(
    `${printable(describeAbort(record))}\n` +
      "not yet terminated: the terminator refuses its order (aborted); terminated: the monitor ends it at its next check (outcome aborted)\n" +
      (known ? "" : `${experimentId} is not among the experiments in flight (macaque status)\n`),
  );
  return ExitCode.recovered;
}

export interface StatusView {
  switch: HaltRecord | null;
  parameter: string;
  experiments: Array<{
    experimentId: string;
    asg: string;
    plannedAt: string;
    endsBy: string;
    requestedBy?: string;
    abort?: AbortRecord;
  }>;
}

export async function readStatus(deps: ControlDeps): Promise<StatusView> {
  const store = storeOf(deps);
  const [halt, inFlight, aborts] = await Promise.all([
    store.readHalt(),
    store.readInFlight(),
    store.readAborts(),
  ]);
  return {
    switch: halt ?? null,
    parameter: store.names.halt,
    experiments: liveExperiments(inFlight, aborts, deps.now()),
  };
}

export function formatStatus(view: StatusView): string[] {
  const s = view.switch;
  const lines = [
    !s
      ? `running: the kill switch (${view.parameter}) was never set`
      : s.halted
        ? `HALTED by ${s.by} at ${s.at}: ${s.reason || "no reason given"}`
        : `running: resumed by ${s.by} at ${s.at}${s.reason ? `: ${s.reason}` : ""}`,
  ];
  if (view.experiments.length === 0) {
    lines.push("no experiment in flight");
    return lines.map(printable);
  }
  lines.push(`${view.experiments.length} in flight:`);
  for (const e of view.experiments) {
    const who = e.requestedBy ? ` by ${e.requestedBy}` : "";
    const aborted = e.abort ? `, ABORTED by ${e.abort.by} at ${e.abort.at}` : "";
    lines.push(`  ${e.experimentId}  ${e.asg}  planned ${e.plannedAt}${who}${aborted}`);
  }
  return lines.map(printable);
}
