/**
 * The error's type says whether to retry. A PermanentError (bad input, a guardrail
 * refusal, a victim that is gone) is reported and its message deleted: retrying
 * cannot help. Anything else is thrown back to SQS, redelivered with backoff, and
 * ends in the dead-letter queue if it keeps failing.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
}

/** A bad or missing environment variable; `problems` name each variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`, options);
    this.problems = problems;
  }
}

/** The queues or topics a service needs are not there (topology not provisioned). */
export class TopologyError extends Error {
  override name = "TopologyError";
}
