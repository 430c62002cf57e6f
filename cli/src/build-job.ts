import {
  experimentIdFor,
  isSelectorJob,
  parseJobMessage,
  type JobMessage,
  type Reason,
} from "@macaque/shared";
import { parseDuration } from "./duration.ts";

/** `macaque run` flags as commander hands them over: strings until checked here. */
export interface RunFlags {
  asg: string;
  count?: string | undefined;
  percent?: string | undefined;
  mode?: string | undefined;
  dryRun?: boolean | undefined;
  email?: string[] | undefined;
  deadline?: string | undefined;
  checkInterval?: string | undefined;
  target?: string | undefined;
  seed?: string | undefined;
  az?: string | undefined;
}

/** A job message that passed the shared schema, ready to send. */
export interface CheckedJob {
  job: JobMessage;
  /** Exactly what goes on the queue. */
  body: string;
  requestId: string;
  /** Known before sending, because the producer derives it from the requestId. */
  experimentId: string;
}

export type JobCheck = ({ ok: true } & CheckedJob) | { ok: false; reasons: Reason[] };

export type FlagCheck =
  | ({ ok: true } & CheckedJob)
  | { ok: false; reasons: Reason[] }
  /** Everything but the number of instances is valid: ask, then complete. */
  | { ok: "ask"; withCount(count: number): JobCheck };

/**
 * Turns `macaque run` flags into a checked job message. Only conversions
 * happen here (text to number, `5m` to 300); the rules are the shared schema's,
 * and every problem is reported at once, in the flags' own names.
 */
export function checkFlags(
  flags: RunFlags,
  ids: { requestId: string; requestedBy?: string | undefined },
): FlagCheck {
  const { input, reasons } = jobInputFromFlags(flags, ids);
  const asking = flags.count === undefined && flags.percent === undefined;
  const check = checkJob(asking ? { ...input, count: 1 } : input);
  // A flag that did not convert is missing from the input; the schema would only repeat it.
  const failed = new Set(reasons.map((r) => r.path));
  const schemaReasons = check.ok
    ? []
    : inFlagTerms(check.reasons).filter((r) => !failed.has(flagOfField[r.path ?? ""]));
  const all = [...reasons, ...schemaReasons];
  if (all.length > 0) return { ok: false, reasons: all };
  if (asking) {
    return {
      ok: "ask",
      withCount: (count) => {
        const done = checkJob({ ...input, count });
        return done.ok ? done : { ok: false, reasons: inFlagTerms(done.reasons) };
      },
    };
  }
  return check;
}

export function jobInputFromFlags(
  flags: RunFlags,
  ids: { requestId: string; requestedBy?: string | undefined },
): { input: Record<string, unknown>; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const number = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text.trim());
    if (text.trim() === "" || !Number.isFinite(value)) {
      reasons.push(invalidFlag(flag, `"${text}" is not a number`));
      return undefined;
    }
    return value;
  };
  const seconds = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const value = parseDuration(text);
    if (value === undefined) {
      reasons.push(invalidFlag(flag, `"${text}" is not a duration such as 90s, 5m, 1h30m or 120`));
    }
    return value;
  };
  const recovery = dropUndefined({
    deadlineSeconds: seconds("deadline", flags.deadline),
    checkIntervalSeconds: seconds("check-interval", flags.checkInterval),
    targetSeconds: seconds("target", flags.target),
  });
  const input = dropUndefined({
    version: 1,
    asg: flags.asg,
    count: number("count", flags.count),
    percent: number("percent", flags.percent),
    mode: flags.mode,
    dryRun: flags.dryRun || undefined,
    availabilityZone: flags.az,
    recovery: Object.keys(recovery).length > 0 ? recovery : undefined,
    notify: flags.email?.length ? { emails: flags.email } : undefined,
    requestId: ids.requestId,
    requestedBy: ids.requestedBy,
    seed: flags.seed,
  });
  return { input, reasons };
}

/** Validates with the shared schema, exactly as the producer will. */
function checkJob(input: Record<string, unknown>): JobCheck {
  return checkBody(JSON.stringify(input));
}

/**
 * A raw job message (`macaque send`): checked as it is, and given a requestId
 * when it has none, so the experiment id is known before it is sent and the
 * live view can subscribe first.
 */
export function checkRawJob(text: string, newRequestId: () => string): JobCheck {
  const parsed = parseJobMessage(text);
  if (!parsed.ok) return parsed;
  if (parsed.job.requestId !== undefined) return checkBody(text);
  const withId = { ...(JSON.parse(text) as Record<string, unknown>), requestId: newRequestId() };
  return checkBody(JSON.stringify(withId));
}

function checkBody(body: string): JobCheck {
  const parsed = parseJobMessage(body);
  if (!parsed.ok) return parsed;
  if (isSelectorJob(parsed.job)) {
    const message =
      "selector: a selector request becomes one experiment per group, which this command cannot follow; schedule it (macaque schedule add --tag) or send it with aws sqs send-message";
    return { ok: false, reasons: [{ code: "invalid-field", path: "selector", message }] };
  }
  const { requestId } = parsed.job;
  if (requestId === undefined) {
    const message = "requestId: is required to follow the experiment";
    return { ok: false, reasons: [{ code: "invalid-field", path: "requestId", message }] };
  }
  return { ok: true, job: parsed.job, body, requestId, experimentId: experimentIdFor(requestId) };
}

const flagOfField: Record<string, string> = {
  asg: "asg",
  count: "count",
  percent: "percent",
  mode: "mode",
  dryRun: "dry-run",
  availabilityZone: "az",
  "recovery.deadlineSeconds": "deadline",
  "recovery.checkIntervalSeconds": "check-interval",
  "recovery.targetSeconds": "target",
  notify: "email",
  seed: "seed",
};

/** Schema reasons in the words of `macaque run`: `--deadline (recovery.deadlineSeconds): ...`. */
export function inFlagTerms(reasons: readonly Reason[]): Reason[] {
  return reasons.map((reason) => {
    if (reason.path === undefined || reason.code !== "invalid-field") return reason;
    const field = reason.path.startsWith("notify.") ? "notify" : reason.path;
    const flag = flagOfField[field];
    if (!flag) return reason;
    const detail = reason.message.startsWith(`${reason.path}: `)
      ? reason.message.slice(reason.path.length + 2)
      : reason.message;
    return { ...reason, message: `--${flag} (${reason.path}): ${detail}` };
  });
}

/** Reasons name the flag (`--deadline`), since that is what the user typed. */
function invalidFlag(flag: string, message: string): Reason {
  return { code: "invalid-flag", path: flag, message: `--${flag}: ${message}` };
}

function dropUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}
