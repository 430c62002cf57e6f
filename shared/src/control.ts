import { z } from "zod";

/**
 * The operator's controls: the kill switch (halt) for the whole account and
 * region, and an abort per experiment. They live in SSM Parameter Store under one
 * path, `CONTROL_PARAMETER_PATH` (default `/macaque`):
 *
 *   <path>/halt                the switch: {halted, by, at, reason}
 *   <path>/aborts/<id>         one experiment's abort: {experimentId, by, at, reason}
 *   <path>/experiments/<id>    an experiment in flight (the producer's note, for `macaque status`)
 *
 * This module is pure: the names, the record shapes and the words for a refusal.
 * `control-store.ts` reads and writes them.
 */

const isoTime = z.iso.datetime({ offset: true });

/** The kill switch's value. A resumed switch keeps who resumed it, when and why. */
export const haltRecordSchema = z.object({
  halted: z.boolean(),
  by: z.string().min(1),
  at: isoTime,
  reason: z.string(),
});
export type HaltRecord = z.infer<typeof haltRecordSchema>;

/** One experiment's abort. */
export const abortRecordSchema = z.object({
  experimentId: z.string().min(1),
  by: z.string().min(1),
  at: isoTime,
  reason: z.string(),
});
export type AbortRecord = z.infer<typeof abortRecordSchema>;

/** What the producer notes of an experiment it ordered, until its outcome (or `endsBy`). */
export const inFlightRecordSchema = z.object({
  experimentId: z.string().min(1),
  asg: z.string().min(1),
  plannedAt: isoTime,
  /** The group's lease ends by then: a note older than that is stale, whatever it says. */
  endsBy: isoTime,
  requestedBy: z.string().optional(),
});
export type InFlightRecord = z.infer<typeof inFlightRecordSchema>;

/** Default `CONTROL_PARAMETER_PATH`. */
export const defaultControlPath = "/macaque";

/** An SSM hierarchy: `/` then segments of letters, digits, `_`, `.`, `-`, no trailing `/`. */
export const controlPathSchema = z
  .string()
  .regex(
    /^(\/[A-Za-z0-9_.-]+)+$/,
    "must be an SSM parameter path such as /macaque (/, then letters, digits, _ . - in segments)",
  )
  .max(900, "must be at most 900 characters (SSM names are at most 1011)")
  .refine((p) => !/^\/(aws|ssm)(\/|$)/i.test(p), "must not start with /aws or /ssm (reserved)");

export const controlEnvSchema = z.object({
  /** Where the kill switch, the aborts and the in-flight notes live. Default `/macaque`. */
  CONTROL_PARAMETER_PATH: controlPathSchema.default(defaultControlPath),
});

export interface ControlNames {
  halt: string;
  /** The path the aborts are under (no trailing `/`). */
  aborts: string;
  abort(experimentId: string): string;
  experiments: string;
  experiment(experimentId: string): string;
}

export function controlNames(path: string): ControlNames {
  return {
    halt: `${path}/halt`,
    aborts: `${path}/aborts`,
    abort: (id) => `${path}/aborts/${id}`,
    experiments: `${path}/experiments`,
    experiment: (id) => `${path}/experiments/${id}`,
  };
}

/** A switch whose value cannot be parsed counts as halted: the switch fails closed. */
export function readHaltValue(value: string | undefined): HaltRecord | undefined {
  if (value === undefined) return undefined;
  const parsed = haltRecordSchema.safeParse(safeJson(value));
  if (parsed.success) return parsed.data;
  return {
    halted: true,
    by: "unknown",
    at: new Date(0).toISOString(),
    reason: `the kill switch's value is not a halt record, so macaque counts it as halted: ${value.slice(0, 200)}`,
  };
}

/** An abort parameter whose value cannot be parsed still aborts its experiment. */
export function readAbortValue(experimentId: string, value: string): AbortRecord {
  const parsed = abortRecordSchema.safeParse(safeJson(value));
  if (parsed.success) return parsed.data;
  return {
    experimentId,
    by: "unknown",
    at: new Date(0).toISOString(),
    reason: `the abort's value is not an abort record: ${value.slice(0, 200)}`,
  };
}

/** JSON.parse, or undefined for text that is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Stable refusal codes: the producer's `experiment.rejected` reason, the terminator's `termination.failed` code. */
export const ControlRefusal = { halted: "halted", aborted: "aborted" } as const;
export type ControlRefusal = (typeof ControlRefusal)[keyof typeof ControlRefusal];

/** `macaque is halted (by arn:…, at …): reason`. */
export function describeHalt(halt: Pick<HaltRecord, "by" | "at" | "reason">): string {
  return `macaque is halted (by ${halt.by}, at ${halt.at}): ${halt.reason || "no reason given"}`;
}

export function describeAbort(abort: Pick<AbortRecord, "experimentId" | "by" | "at" | "reason">) {
  return `experiment ${abort.experimentId} was aborted (by ${abort.by}, at ${abort.at}): ${abort.reason || "no reason given"}`;
}

/** What stops an order: the switch, or this experiment's abort. The switch wins: it stops everything. */
export function orderRefusal(
  halt: HaltRecord | undefined,
  abort: AbortRecord | undefined,
): { code: ControlRefusal; message: string } | undefined {
  if (halt?.halted) return { code: ControlRefusal.halted, message: describeHalt(halt) };
  if (abort) return { code: ControlRefusal.aborted, message: describeAbort(abort) };
  return undefined;
}

/** In-flight notes still in force at `now`, oldest plan first. */
export function liveExperiments(
  records: readonly InFlightRecord[],
  aborts: ReadonlyMap<string, AbortRecord>,
  now: Date,
): Array<InFlightRecord & { abort?: AbortRecord }> {
  return records
    .filter((r) => Date.parse(r.endsBy) > now.getTime())
    .sort((a, b) => Date.parse(a.plannedAt) - Date.parse(b.plannedAt))
    .map((r) => {
      const abort = aborts.get(r.experimentId);
      return abort ? { ...r, abort } : r;
    });
}
