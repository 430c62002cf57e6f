/**
 * What the process exit code tells a script. Anything the CLI could not find out
 * because something it depends on failed is 3, never 1: "not recovered" is a
 * measured result, not a guess.
 */
export const ExitCode = {
  /** The group recovered (or the dry run was planned). */
  recovered: 0,
  /** The group did not recover before the deadline, or a stop-condition alarm stopped the experiment. */
  notRecovered: 1,
  /**
   * Refused, nothing sent: invalid input, a guardrail, nothing could be
   * terminated, or a real run was not confirmed (not answered yes, or no
   * terminal and no --yes).
   */
  rejected: 2,
  /** AWS, the queues or a service did not answer as expected. */
  infrastructure: 3,
  /**
   * The Node.js this needs is missing and could not be installed. Set before this
   * code loads, by scripts/node-runtime.mjs (its NODE_MISSING_EXIT_CODE).
   */
  nodeMissing: 4,
  /** Stopped with Ctrl-C (the experiment itself goes on), or the experiment was aborted. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** How an experiment ended, as far as the CLI saw it. */
export type Outcome =
  | { kind: "recovered" }
  | { kind: "not-recovered" }
  | { kind: "abandoned" }
  | { kind: "stopped" }
  | { kind: "aborted" }
  | { kind: "dry-run" }
  | { kind: "rejected" }
  | { kind: "termination-failed" }
  | { kind: "timed-out"; waitingFor: string }
  | { kind: "interrupted" };

export function exitCodeFor(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case "recovered":
    case "dry-run":
      return ExitCode.recovered;
    case "not-recovered":
    case "stopped":
      return ExitCode.notRecovered;
    case "rejected":
    case "termination-failed":
      return ExitCode.rejected;
    case "abandoned":
    case "timed-out":
      return ExitCode.infrastructure;
    case "interrupted":
    case "aborted":
      return ExitCode.interrupted;
  }
}

/** The exit-code table printed by `--help` and copied into the README. */
export const exitCodeHelp = `Exit codes:
  0    recovered, or the dry run was planned
  1    not recovered before the deadline, or stopped by a stop-condition alarm
  2    rejected or invalid input (flags, job message, environment, credentials,
       guardrails, or the terminator could terminate none of the victims), or
       not confirmed: a real run not answered yes, or without a terminal and --yes
  3    infrastructure error (AWS unreachable, topology missing, no answer in time,
       or the recovery-monitor gave up measuring: outcome abandoned)
  4    the Node.js it needs is missing and could not be installed
  130  interrupted (Ctrl-C); the experiment goes on: macaque watch <id>
       (at a question, nothing was sent); or the experiment was aborted`;
