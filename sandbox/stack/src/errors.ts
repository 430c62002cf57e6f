/** Errors of the sandbox launcher, each telling a person what to do. */

export class RedisServerMissingError extends Error {
  override name = "RedisServerMissingError";
}

/** A child process exited, or stayed silent too long, before it said it was ready. */
export class ProcessStartError extends Error {
  override name = "ProcessStartError";
  /** Which process, e.g. `fauxqs`. */
  readonly process: string;
  /** Its last lines of output (stdout and stderr), oldest first. */
  readonly output: readonly string[];
  constructor(process: string, why: string, output: readonly string[]) {
    super(`${process} did not start: ${why}${output.length ? `\n${output.join("\n")}` : ""}`);
    this.process = process;
    this.output = output;
  }
}

/** The stand-ins whose port the caller may fix (`StackOptions.ports`). */
export type StandInPort = "fauxqs" | "ses" | "inbox" | "fleetSim" | "scheduler";

/** A stand-in could not listen on the fixed port it was given: something else holds it. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
  readonly standIn: StandInPort;
  readonly port: number;
  constructor(standIn: StandInPort, port: number, options?: ErrorOptions) {
    super(`port ${port} (${standIn}) is already in use`, options);
    this.standIn = standIn;
    this.port = port;
  }
}
