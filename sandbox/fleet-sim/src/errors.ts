/**
 * An error the simulator reports to its caller in AWS's own terms: `code` is the AWS
 * error code (ValidationError, InvalidInstanceID.NotFound, ...) and `status` the HTTP
 * status AWS would answer with.
 */
export class SimError extends Error {
  override readonly name = "SimError";
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.code = code;
    this.status = options?.status ?? 400;
  }
}

/** A configuration value (environment variable or option) that cannot be used. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The control endpoint answered with an error status. */
export class FleetSimControlError extends Error {
  override readonly name = "FleetSimControlError";
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}
