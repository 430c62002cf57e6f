import { describe, expect, it } from "vitest";
import { jobIdFor } from "../src/schedule.ts";

describe("jobIdFor", () => {
  it.each([
    ["exp-2030-01-01-abc", "exp-2030-01-01-abc"],
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"],
    ["req:1", "req%3A1"],
    ["50%:x", "50%25%3Ax"],
    ["12345", "experiment-12345"],
  ])("uses %s as %s", (experimentId, jobId) => {
    expect(jobIdFor(experimentId)).toBe(jobId);
  });
});
