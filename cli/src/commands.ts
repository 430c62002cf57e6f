import { allowedVictims, askCount, type GroupView } from "./ask-count.ts";
import { createAws, resolveRegion, type Aws } from "./aws.ts";
import { confirmTermination, showGroup } from "./run-preview.ts";
import * as control from "./control.ts";
import { checkFlags, checkRawJob, type JobCheck, type RunFlags } from "./build-job.ts";
import { limitsOf, loadCliConfig, type CliConfig } from "./config.ts";
import {
  formatDeadLetters,
  formatRedrive,
  listDeadLetters,
  parseQueueRole,
  redriveDeadLetters,
} from "./dlq.ts";
import { parseDuration } from "./duration.ts";
import { InvalidInputError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { submitJob, watchExperiment, type Terminal } from "./experiment.ts";
import { watchExperiments } from "./watch-many.ts";
import {
  addRecipient,
  checkAddress,
  formatRecipients,
  listRecipients,
  removeRecipient,
  type RecipientServices,
} from "./recipients.ts";

/** What the commands need from the process; main.ts is the only place that builds it. */
export interface CliDeps {
  env: Record<string, string | undefined>;
  terminal: Terminal;
  /** stdin and stdout are both terminals: a person can be asked. */
  interactive: boolean;
  /** Reads a file, or standard input for `-`. */
  readInput(file: string): Promise<string>;
  newRequestId(): string;
  requestedBy?: string | undefined;
}

export interface OutputFlags {
  json?: boolean | undefined;
  wait?: boolean | undefined;
  timeout?: string | undefined;
}

/** The producer answers within seconds when it runs; a minute of silence means it does not. */
const DEFAULT_ANSWER_TIMEOUT = "60s";

export async function runCommand(
  deps: CliDeps,
  flags: RunFlags & OutputFlags & { yes?: boolean | undefined },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const answerTimeoutMs = timeoutMs(flags.timeout ?? DEFAULT_ANSWER_TIMEOUT);
  // Everything is checked before anything is asked: no question for a request bound to fail.
  const checked = checkFlags(flags, {
    requestId: deps.newRequestId(),
    requestedBy: deps.requestedBy,
  });
  if (checked.ok === false) throw invalidJob(checked.reasons);
  if (checked.ok === "ask" && !deps.interactive) {
    throw new InvalidInputError(
      "how many instances? give --count N or --percent P (no terminal to ask on)",
    );
  }
  // A dry run terminates nothing, so there is nothing to confirm.
  const confirming = flags.dryRun !== true && flags.yes !== true;
  if (confirming && !deps.interactive) {
    throw new InvalidInputError(
      "not terminating without confirmation: no terminal to ask on (stdin and stdout must both be one); pass --yes",
    );
  }
  return withAws(config, async (aws) => {
    let group: GroupView | undefined;
    let job: JobCheck;
    if (checked.ok === "ask") {
      group = await showGroup(aws, config, deps.terminal, flags.asg);
      job = checked.withCount(
        await askCount(group, allowedVictims(group, limitsOf(config)), deps.terminal.askNumber),
      );
    } else {
      job = checked;
    }
    if (!job.ok) throw invalidJob(job.reasons);
    if (confirming) {
      group ??= await showGroup(aws, config, deps.terminal, flags.asg);
      await confirmTermination(aws, deps.terminal, job.job, group);
    }
    return submitJob(aws, deps.terminal, job, {
      ...followFlags(config, flags, answerTimeoutMs),
      ...(deps.interactive && !flags.json && { offerAbort: abortFromRun(deps, config, aws, job) }),
    });
  });
}

export async function sendCommand(
  deps: CliDeps,
  file: string,
  flags: OutputFlags,
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const answerTimeoutMs = timeoutMs(flags.timeout ?? DEFAULT_ANSWER_TIMEOUT);
  let text: string;
  try {
    text = await deps.readInput(file);
  } catch (err) {
    throw new InvalidInputError(`cannot read ${file === "-" ? "standard input" : file}`, [
      err instanceof Error ? err.message : String(err),
    ]);
  }
  const checked: JobCheck = checkRawJob(text, deps.newRequestId);
  if (!checked.ok) throw invalidJob(checked.reasons);
  return withAws(config, (aws) =>
    submitJob(aws, deps.terminal, checked, followFlags(config, flags, answerTimeoutMs)),
  );
}

export async function watchCommand(
  deps: CliDeps,
  experimentId: string | undefined,
  flags: OutputFlags & { asg?: string | undefined },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  if (experimentId === undefined) {
    if (flags.timeout !== undefined) {
      throw new InvalidInputError("--timeout follows one experiment: macaque watch ID --timeout D");
    }
    return withAws(config, (aws) =>
      watchExperiments(aws, deps.terminal, {
        asg: flags.asg,
        json: flags.json ?? false,
        prefix: config.MACAQUE_NAME_PREFIX,
      }),
    );
  }
  if (flags.asg !== undefined) {
    throw new InvalidInputError(
      "give an experiment id or --asg NAME, not both (an experiment is on one group)",
    );
  }
  if (!/^exp-[0-9a-f]{16}$/.test(experimentId)) {
    throw new InvalidInputError(
      `"${experimentId}" is not an experiment id (exp- and 16 hex digits, as run and send print)`,
    );
  }
  const answerTimeoutMs = flags.timeout === undefined ? undefined : timeoutMs(flags.timeout);
  return withAws(config, (aws) =>
    watchExperiment(aws, deps.terminal, experimentId, {
      json: flags.json ?? false,
      answerTimeoutMs,
      prefix: config.MACAQUE_NAME_PREFIX,
    }),
  );
}

export async function recipientsAddCommand(deps: CliDeps, text: string): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const address = checkAddress(text);
  return withRecipients(config, async (services, topicName) => {
    const { recipient, identityKept } = await addRecipient(services, address);
    const out = deps.terminal.out;
    out.write(`${formatRecipients([recipient], topicName).join("\n")}\n`);
    if (recipient.subscription !== "confirmed") {
      out.write(`${address} must confirm the subscription from the email SNS sent\n`);
    }
    if (identityKept) {
      out.write(
        `${address} was already an SES identity, not enrolled by macaque: left as it is, and recipients remove will not delete it\n`,
      );
    }
    if (recipient.verification !== "Success") {
      out.write(`${address} must verify the address from the email SES sent\n`);
    }
    return ExitCode.recovered;
  });
}

export async function recipientsListCommand(
  deps: CliDeps,
  flags: { json?: boolean | undefined },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  return withRecipients(config, async (services, topicName) => {
    const recipients = await listRecipients(services);
    deps.terminal.out.write(
      flags.json
        ? `${JSON.stringify(recipients)}\n`
        : `${formatRecipients(recipients, topicName).join("\n")}\n`,
    );
    return ExitCode.recovered;
  });
}

export async function recipientsRemoveCommand(deps: CliDeps, text: string): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const address = checkAddress(text);
  return withRecipients(config, async (services, topicName) => {
    const removal = await removeRecipient(services, address);
    const lines: string[] = [];
    if (removal.unsubscribed > 0) lines.push(`unsubscribed ${address} from ${topicName}`);
    if (removal.pendingLeft > 0) {
      lines.push(
        `${address} has a subscription pending confirmation; SNS removes it unless it is confirmed`,
      );
    }
    if (removal.identity === "deleted") lines.push(`deleted the SES identity ${address}`);
    if (removal.identity === "kept, not macaque's") {
      lines.push(
        `kept the SES identity ${address}: macaque did not enrol it (it was verified before recipients add, or by another application); delete it in SES if nothing else uses it`,
      );
    }
    if (lines.length === 0) lines.push(`${address} was not a recipient`);
    deps.terminal.out.write(`${lines.join("\n")}\n`);
    return ExitCode.recovered;
  });
}

export async function dlqListCommand(
  deps: CliDeps,
  flags: { queue?: string | undefined; max?: string | undefined; json?: boolean | undefined },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const queues = parseQueueRole(flags.queue);
  const max = flags.max === undefined ? 10 : Number(flags.max);
  if (!Number.isInteger(max) || max < 0 || max > 1_000) {
    throw new InvalidInputError(`--max: "${flags.max}" is not a whole number from 0 to 1000`);
  }
  return withAws(config, async (aws) => {
    const found = await listDeadLetters(aws.sqs(), await aws.topology(), { queues, max });
    deps.terminal.out.write(flags.json ? `${JSON.stringify(found)}\n` : formatDeadLetters(found));
    return ExitCode.recovered;
  });
}

export async function haltCommand(deps: CliDeps, flags: { reason?: string | undefined }) {
  const reason = control.checkReason(flags.reason, true);
  return withControl(deps, (c) => control.halt(c, reason));
}

export async function resumeCommand(deps: CliDeps, flags: { reason?: string | undefined }) {
  const reason = control.checkReason(flags.reason, false);
  return withControl(deps, (c) => control.resume(c, reason));
}

export async function abortCommand(
  deps: CliDeps,
  experimentId: string,
  flags: { reason?: string | undefined },
) {
  const id = control.checkExperimentId(experimentId);
  const reason = control.checkReason(flags.reason, true);
  return withControl(deps, (c) => control.abort(c, id, reason));
}

export async function statusCommand(deps: CliDeps, flags: { json?: boolean | undefined }) {
  return withControl(deps, async (c) => {
    const view = await control.readStatus(c);
    deps.terminal.out.write(
      flags.json ? `${JSON.stringify(view)}\n` : `${control.formatStatus(view).join("\n")}\n`,
    );
    return ExitCode.recovered;
  });
}

export async function dlqRedriveCommand(
  deps: CliDeps,
  ids: string[],
  flags: {
    queue?: string | undefined;
    includePoison?: boolean | undefined;
    json?: boolean | undefined;
  },
): Promise<ExitCode> {
  const config = loadCliConfig(deps.env);
  const queues = parseQueueRole(flags.queue);
  return withAws(config, async (aws) => {
    const results = await redriveDeadLetters(aws.sqs(), await aws.topology(), {
      queues,
      ...(ids.length > 0 && { ids }),
      includePoison: flags.includePoison ?? false,
    });
    deps.terminal.out.write(flags.json ? `${JSON.stringify(results)}\n` : formatRedrive(results));
    return ExitCode.recovered;
  });
}

/** What Ctrl-C in `macaque run` offers on a terminal: abort the experiment being followed. */
function abortFromRun(deps: CliDeps, config: CliConfig, aws: Aws, job: { experimentId: string }) {
  return () =>
    control.abort(
      {
        aws,
        out: deps.terminal.out,
        path: config.CONTROL_PARAMETER_PATH,
        requestedBy: deps.requestedBy,
        now: () => new Date(deps.terminal.now()),
      },
      job.experimentId,
      "interrupted from macaque run (Ctrl-C, answered yes)",
    );
}

function withControl<T>(deps: CliDeps, use: (c: control.ControlDeps) => Promise<T>): Promise<T> {
  const config = loadCliConfig(deps.env);
  return withAws(config, (aws) =>
    use({
      aws,
      out: deps.terminal.out,
      path: config.CONTROL_PARAMETER_PATH,
      requestedBy: deps.requestedBy,
      now: () => new Date(deps.terminal.now()),
    }),
  );
}

export async function withAws<T>(config: CliConfig, use: (aws: Aws) => Promise<T>): Promise<T> {
  const aws = createAws(config, await resolveRegion(config));
  try {
    return await use(aws);
  } finally {
    aws.destroy();
  }
}

function withRecipients<T>(
  config: CliConfig,
  use: (services: RecipientServices, topicName: string) => Promise<T>,
): Promise<T> {
  return withAws(config, async (aws) => {
    const topology = await aws.topology();
    const services = {
      sns: aws.sns(),
      ses: aws.ses(),
      reportsTopicArn: topology.topics.reports.arn,
      senderEmail: config.SENDER_EMAIL,
    };
    return use(services, topology.topics.reports.name);
  });
}

function followFlags(config: CliConfig, flags: OutputFlags, answerTimeoutMs: number) {
  return {
    json: flags.json ?? false,
    wait: flags.wait ?? true,
    answerTimeoutMs,
    prefix: config.MACAQUE_NAME_PREFIX,
  };
}

function timeoutMs(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) {
    throw new InvalidInputError(`--timeout: "${text}" is not a duration such as 90s, 5m or 120`);
  }
  return seconds * 1_000;
}

export function invalidJob(reasons: readonly { message: string }[]): InvalidInputError {
  return new InvalidInputError(
    "invalid job message; nothing was sent",
    reasons.map((r) => r.message),
  );
}
