import { ExitCode } from "./exit-codes.ts";

/** Bad flags, a bad job message or a bad environment: nothing was sent. Exit 2. */
export class InvalidInputError extends Error {
  override name = "InvalidInputError";
  readonly exitCode = ExitCode.rejected;
  /** One line each, shown as a list under the message. */
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

/** The queues, topics or AWS APIs the CLI needs did not answer as expected. Exit 3. */
export class InfrastructureError extends Error {
  override name = "InfrastructureError";
  readonly exitCode = ExitCode.infrastructure;
}

/** Stopped by the person at the terminal (Ctrl-C at the question): nothing was sent. Exit 130. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  readonly exitCode = ExitCode.interrupted;
}

/** Exit code for anything thrown: unknown errors come from AWS or the network, so 3. */
export function exitCodeOfError(err: unknown): ExitCode {
  if (
    err instanceof InvalidInputError ||
    err instanceof InfrastructureError ||
    err instanceof InterruptedError
  ) {
    return err.exitCode;
  }
  return ExitCode.infrastructure;
}
