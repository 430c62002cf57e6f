import { describe, expect, it } from "vitest";
import { describeAwsError, isPermanentAwsError } from "../src/aws-errors.ts";

/** Shaped as the SDK shapes service exceptions: name = code, $fault, $metadata. */
const serviceError = (name: string, fault: "client" | "server", message = "m") =>
  Object.assign(new Error(message), { name, $fault: fault, $metadata: {} });

describe("isPermanentAwsError", () => {
  it.each([
    ["InvalidInstanceID.NotFound", "client", true],
    ["InvalidInstanceID.Malformed", "client", true],
    ["ValidationError", "client", true],
    ["UnauthorizedOperation", "client", true],
    ["OperationNotPermitted", "client", true],
    ["RequestLimitExceeded", "client", false],
    ["Throttling", "client", false],
    ["ThrottlingException", "client", false],
    ["ScalingActivityInProgress", "client", false],
    ["ResourceContention", "client", false],
    ["ExpiredToken", "client", false],
    ["ExpiredTokenException", "client", false],
    ["InvalidClientTokenId", "client", false],
    ["UnrecognizedClientException", "client", false],
    ["AuthFailure", "client", false],
    ["SignatureDoesNotMatch", "client", false],
    ["RequestTimeTooSkewed", "client", false],
    ["RequestExpired", "client", false],
    ["InternalError", "server", false],
    ["ServiceUnavailable", "server", false],
  ] as const)("%s (%s fault) is permanent: %s", (name, fault, permanent) => {
    expect(isPermanentAwsError(serviceError(name, fault))).toBe(permanent);
  });

  it("treats errors without a service answer (network, timeouts) as transient", () => {
    expect(
      isPermanentAwsError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
    ).toBe(false);
    expect(isPermanentAwsError(new Error("TimeoutError"))).toBe(false);
    expect(isPermanentAwsError("boom")).toBe(false);
  });

  it("treats an error the SDK marks retryable as transient", () => {
    const err = Object.assign(serviceError("Whatever", "client"), {
      $retryable: { throttling: true },
    });
    expect(isPermanentAwsError(err)).toBe(false);
  });
});

describe("describeAwsError", () => {
  it("names the code and the message", () => {
    expect(
      describeAwsError(
        serviceError(
          "InvalidInstanceID.NotFound",
          "client",
          "The instance ID 'i-1' does not exist",
        ),
      ),
    ).toBe("InvalidInstanceID.NotFound: The instance ID 'i-1' does not exist");
  });
});
