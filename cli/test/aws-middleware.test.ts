import { describe, expect, it } from "vitest";
import { endpointVariables, explainError, isAwsHost } from "../src/aws-middleware.ts";
import { exitCodeOfError } from "../src/errors.ts";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
  code: "ECONNREFUSED",
});
const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), {
  name: "CredentialsProviderError",
});

describe("explainError", () => {
  it("names the service, endpoint and variables of an unreachable endpoint, exit 3", () => {
    const err = explainError(refused, "Auto Scaling", "http://127.0.0.1:1") as Error;
    expect(err.message).toBe(
      "could not reach Auto Scaling at http://127.0.0.1:1 (AWS_ENDPOINT_URL_AUTO_SCALING / AWS_ENDPOINT_URL): connection refused",
    );
    expect(exitCodeOfError(err)).toBe(3);
  });

  it("says how to give credentials, exit 2", () => {
    const err = explainError(noCredentials, "SQS", undefined) as Error;
    expect(err.message).toContain("set AWS_PROFILE");
    expect(err.message).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(exitCodeOfError(err)).toBe(2);
  });

  it("leaves other errors as they are", () => {
    const denied = Object.assign(new Error("not authorized"), { name: "AccessDenied" });
    expect(explainError(denied, "SNS", "https://sns.us-east-1.amazonaws.com")).toBe(denied);
  });
});

describe("endpoints", () => {
  it.each([
    ["https://sqs.eu-west-1.amazonaws.com", true],
    ["https://sts.cn-north-1.amazonaws.com.cn", true],
    ["http://127.0.0.1:4566", false],
    ["http://amazonaws.com.example.org", false],
  ])("%s is AWS's own: %s", (endpoint, aws) => {
    expect(isAwsHost(endpoint)).toBe(aws);
  });

  it("names the SDK's variables, most specific first", () => {
    expect(endpointVariables("STS")).toBe("AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL");
  });
});
