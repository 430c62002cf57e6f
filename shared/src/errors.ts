/**
 * The error's type says whether to retry. A PermanentError (bad input, a guardrail
 * refusal, a victim that is gone) is reported and its message deleted: retrying
 * cannot help. Anything else is thrown back to SQS, redelivered with backoff, and
 * ends in the dead-letter queue if it keeps failing.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
}

/**
 * The message is not what its queue expects: a body that is not JSON or not a
 * macaque event, or an event type the queue is not subscribed to. Every consumer
 * treats it the same way: no retry (it would fail the same way five times), one
 * warning, and the message is moved to the queue's dead-letter queue at once, so a
 * person can look at it and nothing else is held up. A routing or contract bug, not
 * bad input from an operator (that is a PermanentError).
 */
export class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
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
