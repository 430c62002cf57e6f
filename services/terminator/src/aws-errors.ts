/**
 * Whether an AWS error from a terminate call is about the instance (permanent:
 * record the victim as failed) or about the moment (throttling, network, a 5xx,
 * an activity in progress, expired credentials, a skewed clock: throw, so SQS
 * redelivers the order). The SDK has already retried the latter before we see them.
 */

const throttlingCodes = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "EC2ThrottledException",
  "BandwidthLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
]);

/** Client errors that clear up by themselves. */
const transientClientCodes = new Set([
  "ScalingActivityInProgress",
  "ResourceContention",
  // About our credentials or clock, not the instance: a rotated token or a
  // resynced clock fixes them, and the victim must not be reported failed meanwhile.
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "AuthFailure",
  "SignatureDoesNotMatch",
  "RequestTimeTooSkewed",
  "RequestExpired",
]);

interface AwsErrorShape {
  name?: unknown;
  Code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
}

function awsErrorCode(err: unknown): string {
  const shape = (typeof err === "object" && err !== null ? err : {}) as AwsErrorShape;
  if (typeof shape.Code === "string" && shape.Code) return shape.Code;
  return typeof shape.name === "string" ? shape.name : "Error";
}

/** True when retrying the same call later cannot succeed. */
export function isPermanentAwsError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const shape = err as AwsErrorShape;
  // Only a service's answer can be permanent: no $fault means no answer (network, timeout).
  if (shape.$fault !== "client") return false;
  if (shape.$retryable) return false;
  const code = awsErrorCode(err);
  return !throttlingCodes.has(code) && !transientClientCodes.has(code);
}

export function describeAwsError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = awsErrorCode(err);
  return message && message !== code ? `${code}: ${message}` : code;
}
