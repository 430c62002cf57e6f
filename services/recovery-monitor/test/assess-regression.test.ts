import { describe, expect, it } from "vitest";
import type { GroupConfiguration } from "@macaque/shared";
import type { HistoryEntry } from "@macaque/shared/history";
import { assessRegression, type HistoryReader } from "../src/assess-regression.ts";
import { experimentContext, groupConfiguration } from "../../../test/support/experiment.ts";

const configuration = (version: string): GroupConfiguration =>
  groupConfiguration({ launchTemplate: { name: "web", version } });

const run = (i: number, seconds: number, regression = false): HistoryEntry => ({
  at: `2026-12-0${i}T10:00:00.000Z`,
  experimentId: `exp-${i}`,
  asg: "web",
  outcome: "recovered",
  verdict: "none",
  mode: "ec2",
  victims: 1,
  timeToRecoverSeconds: seconds,
  precisionSeconds: 5,
  regression,
});

/** An archive in memory: the runs newest first and each one's plan snapshot. */
function reader(runs: HistoryEntry[], configs: Record<string, GroupConfiguration>): HistoryReader {
  return {
    recoveredRuns: (_asg, _mode, limit) => Promise.resolve(runs.slice(0, limit)),
    groupConfiguration: (id) => Promise.resolve(configs[id]),
  };
}

const experiment = experimentContext({
  plan: { job: {}, group: configuration("4"), candidates: [], candidateCount: 0 },
});

describe("assessRegression", () => {
  it("names what changed since the last run that was not itself a regression", async () => {
    const runs = [run(4, 90, true), run(3, 40), run(2, 41), run(1, 39)];
    const assessment = await assessRegression(
      reader(runs, { "exp-3": configuration("3"), "exp-4": configuration("4") }),
      experiment,
      84,
    );
    expect(assessment).toMatchObject({
      status: "regression",
      medianSeconds: 40.5,
      lastNormalExperimentId: "exp-3",
      changes: [{ field: "launchTemplate", before: "web version 3", after: "web version 4" }],
    });
    expect(assessment.runs.map((r) => r.experimentId)).toEqual([
      "exp-4",
      "exp-3",
      "exp-2",
      "exp-1",
    ]);
  });

  it("is normal within the line, and not judged with fewer than 3 earlier runs", async () => {
    const runs = [run(3, 40), run(2, 41), run(1, 39)];
    expect((await assessRegression(reader(runs, {}), experiment, 45)).status).toBe("normal");
    expect((await assessRegression(reader(runs.slice(1), {}), experiment, 99)).status).toBe(
      "insufficient-history",
    );
  });

  it("reports an archive it cannot read instead of failing the experiment", async () => {
    const broken: HistoryReader = {
      recoveredRuns: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
      groupConfiguration: () => Promise.resolve(undefined),
    };
    expect(await assessRegression(broken, experiment, 84)).toMatchObject({
      status: "history-unavailable",
      reason: "Error: connect ECONNREFUSED 127.0.0.1:1",
    });
  });
});
