import { describe, expect, it } from "vitest";
import { describeEvent } from "@macaque/shared";
import { createLiveView } from "../src/live-view.ts";
import { applyEvent, startProgress } from "../src/progress.ts";
import { formatStep, printable, summarize } from "../src/render.ts";
import { experimentEvents, type AnyCloudEvent } from "./fixtures.ts";

const id = "exp-00000000000000aa";
const e = experimentEvents(id);
const lines = (event: AnyCloudEvent) => describeEvent(event).map((s) => formatStep(1.25, s));
const replay = (...events: AnyCloudEvent[]) => events.reduce(applyEvent, startProgress(id));

describe("the live view's lines", () => {
  it("shows each phase with its elapsed time", () => {
    expect(lines(e.planned)).toEqual([
      "    +1.3s  planned       1 instance of 4 eligible in web (desired 4), ec2 mode, seed 42",
      "    +1.3s  victims       i-0000000b (us-east-1b)",
    ]);
    expect(lines(e.terminated)).toEqual(["    +1.3s  terminated    i-0000000b"]);
    expect(lines(e.replacementSeen)).toEqual([
      "    +1.3s  replacement   i-0000000e Pending (InService 3 of 4, Healthy 3, pending 1)",
    ]);
    expect(lines(e.allInService)[0]).toContain("InService     all InService (");
    expect(lines(e.healthy)[0]).toContain("healthy       all healthy (");
    expect(lines(e.recovered)).toEqual([
      "    +1.3s  recovered     in 4.2 s (± 1 s, 5 checks), verdict PASS",
    ]);
    expect(lines(e.notRecovered)[0]).toContain(
      "not recovered by the 15 min deadline; last seen InService 3 of 4",
    );
    expect(lines(e.reportSent)).toEqual([
      "    +1.3s  report        recovery report sent to ops@example.com",
    ]);
  });

  it("says REGRESSION and what changed when the monitor judged the run one", () => {
    const regressed = {
      ...e.recovered,
      data: {
        ...e.recovered.data,
        timeToRecoverSeconds: 84,
        regression: {
          status: "regression" as const,
          timeToRecoverSeconds: 84,
          runs: [40, 41, 39].map((seconds, i) => ({
            experimentId: `exp-${i}`,
            at: "2026-12-01T00:00:00.000Z",
            seconds,
            regression: false,
          })),
          medianSeconds: 40,
          madSeconds: 1,
          thresholdSeconds: 60,
          changes: [{ field: "imageIds", label: "AMI", before: "ami-1", after: "ami-2" }],
        },
      },
    };
    expect(lines(regressed)[1]).toBe(
      "    +1.3s  regression    REGRESSION: 84 s, median of the last 3 runs 40 s; what changed: AMI: ami-1 → ami-2",
    );
  });

  it("lists every reason of a rejection", () => {
    expect(lines(e.rejected)).toEqual([
      "    +1.3s  rejected      refused by the guardrails",
      "                         - group web is not opted in",
      "                         - asks for 3 instances; at most 2 are allowed",
    ]);
  });

  it("names what was skipped when a termination fails", () => {
    expect(lines(e.terminationFailed)).toEqual([
      "    +1.3s  failed        terminated none of 1 victim: i-0000000b is no longer InService",
    ]);
  });
});

describe("an experiment an alarm stopped", () => {
  const stopped = {
    ...e.notRecovered,
    data: {
      ...e.notRecovered.data,
      outcome: "stopped" as const,
      checks: 3,
      stoppedBy: [
        {
          alarm: "web-5xx",
          kind: "in-alarm" as const,
          state: "ALARM",
          reason: "5xx > 10",
          firedAt: "2030-01-01T00:00:03.000Z",
        },
      ],
    },
  };
  const breach = 'alarm "web-5xx" is in ALARM since 2030-01-01T00:00:03.000Z: 5xx > 10';

  it("names the alarm live", () => {
    expect(lines(stopped)).toEqual([
      `    +1.3s  stopped       by ${breach}; last seen InService 3 of 4, Healthy 3, pending 1`,
    ]);
  });

  it("ends with STOPPED, the alarm and exit 1", () => {
    const p = replay(e.planned, e.terminated, stopped);
    const text = summarize({ kind: "stopped" }, p).join("\n");
    expect(text).toContain("STOPPED (web): a stop-condition alarm went into ALARM");
    expect(text).toContain(`stopped by       ${breach}`);
    expect(text).toContain("time to recover  none: stopped before it recovered, verdict FAIL");
  });
});

describe("the summary", () => {
  it("gives time to recover, victims and replacements", () => {
    const p = replay(e.planned, e.terminated, e.healthy, e.recovered);
    expect(summarize({ kind: "recovered" }, p)).toEqual([
      "RECOVERED (web): back to 4 InService and Healthy",
      "  time to recover  4.2 s (± 1 s, 5 checks), verdict PASS",
      "  victims          i-0000000b (us-east-1b)",
      "  replacements     i-0000000e",
      `  experiment       ${id}`,
    ]);
  });

  it("states the precision the monitor measured, a late check's included", () => {
    const late = {
      ...e.recovered,
      data: {
        ...e.recovered.data,
        timeToRecoverBounds: { lowerSeconds: 1.1, upperSeconds: 4.2 },
        precisionSeconds: 3.1,
        detectedBy: "check" as const,
      },
    };
    const text = summarize({ kind: "recovered" }, replay(e.planned, e.terminated, late)).join("\n");
    expect(text).toContain("time to recover  4.2 s (± 3.1 s, 5 checks), verdict PASS");
    expect(text).toContain("precision        true time between 1.1 s and 4.2 s; seen by a check");
  });

  it("says what was still wrong when the group did not recover", () => {
    const p = replay(e.planned, e.terminated, e.notRecovered);
    const text = summarize({ kind: "not-recovered" }, p).join("\n");
    expect(text).toContain("NOT RECOVERED (web) before the deadline");
    expect(text).toContain("time to recover  none within 15 min, verdict FAIL");
  });

  it("says why monitoring ended early, and that an abandoned recovery was not measured", () => {
    const reason = { code: "monitor-gave-up", message: "the recovery-monitor could not go on: x" };
    const abandoned = {
      ...e.notRecovered,
      data: { ...e.notRecovered.data, outcome: "abandoned" as const, reason },
    };
    const text = summarize({ kind: "abandoned" }, replay(e.planned, e.terminated, abandoned)).join(
      "\n",
    );
    expect(text).toContain("ABANDONED (web): the recovery-monitor could not go on measuring");
    expect(text).toMatch(/^ {2}reason +the recovery-monitor could not go on: x$/m);
    const deleted = {
      ...e.notRecovered,
      data: {
        ...e.notRecovered.data,
        reason: { code: "group-deleted", message: "the group web no longer exists" },
      },
    };
    const gone = summarize(
      { kind: "not-recovered" },
      replay(e.planned, e.terminated, deleted),
    ).join("\n");
    expect(gone).toContain("NOT RECOVERED (web)\n");
    expect(gone).toMatch(/^ {2}reason +the group web no longer exists$/m);
  });

  it("names the targets that never served, with ELB's reason, live and in the summary", () => {
    const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-tg/0001";
    const targetGroups = [
      {
        arn,
        name: "web-tg",
        targets: [
          { id: "i-0000000a", state: "healthy" },
          { id: "i-0000000e", state: "unhealthy", reason: "Target.FailedHealthChecks" },
        ],
      },
    ];
    const notServing = {
      ...e.notRecovered,
      data: { ...e.notRecovered.data, targetGroups },
    } as AnyCloudEvent;
    expect(lines(notServing)).toContain(
      "                         target group web-tg: 1 of 2 healthy; i-0000000e (unhealthy: Target.FailedHealthChecks)",
    );
    const text = summarize(
      { kind: "not-recovered" },
      replay(e.planned, e.terminated, notServing),
    ).join("\n");
    expect(text).toMatch(
      /target group web-tg +1 of 2 healthy; i-0000000e \(unhealthy: Target\.FailedHealthChecks\)/,
    );
  });

  it("repeats the reasons of a rejection", () => {
    const text = summarize({ kind: "rejected" }, replay(e.rejected)).join("\n");
    expect(text).toContain("REJECTED (web): nothing was terminated");
    expect(text).toContain("reason      group web is not opted in");
  });

  it("tells how to follow again after a timeout or Ctrl-C", () => {
    const p = replay(e.planned);
    const text = summarize(
      { kind: "timed-out", waitingFor: "waiting for the terminations (terminator)" },
      p,
    ).join("\n");
    expect(text).toContain("NO ANSWER (web): gave up waiting for the terminations (terminator)");
    expect(text).toContain(`macaque watch ${id}`);
    expect(summarize({ kind: "interrupted" }, p)[0]).toBe(
      "STOPPED WATCHING (web); the experiment goes on",
    );
  });
});

describe("createLiveView", () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, write: (s: string) => chunks.push(s), isTTY };
  };

  it("writes only JSON events to stdout in JSON mode, notes and summary to stderr", () => {
    const out = sink(true);
    const err = sink(true);
    const view = createLiveView({ out, err, json: true, now: Date.now, startedAt: Date.now() });
    view.note("sent");
    view.event(e.planned, replay(e.planned));
    view.finish(["DRY RUN"]);
    expect(out.chunks.map((c) => JSON.parse(c) as { type: string })).toEqual([
      expect.objectContaining({ type: "macaque.experiment.planned" }),
    ]);
    expect(err.chunks.join("")).toBe("sent\nDRY RUN\n");
  });

  it("prints plain lines without a spinner when stdout is not a terminal", () => {
    const out = sink(false);
    const view = createLiveView({
      out,
      err: sink(false),
      json: false,
      now: Date.now,
      startedAt: Date.now(),
    });
    view.event(e.terminated, replay(e.planned, e.terminated));
    view.finish(["done"]);
    expect(out.chunks.join("")).not.toContain("\x1b");
    expect(out.chunks.join("")).toMatch(/terminated {4}i-0000000b\ndone\n$/);
  });

  it("draws a spinner on a terminal and clears it before each line", () => {
    const out = sink(true);
    const view = createLiveView({
      out,
      err: sink(true),
      json: false,
      now: Date.now,
      startedAt: Date.now(),
    });
    view.event(e.planned, replay(e.planned));
    view.finish([]);
    const text = out.chunks.join("");
    expect(text).toContain("waiting for the plan");
    expect(text).toContain("waiting for the terminations");
    expect(text).toContain("\r\x1b[2K    +0.0s  planned");
  });
});

describe("what a requester wrote", () => {
  it("cannot drive the terminal: control characters are printed as ?", () => {
    expect(printable("bad \u001b[2Jfield\u0007")).toBe("bad ?[2Jfield?");
    expect(formatStep(1, { label: "rejected", text: 'unknown field "\u001b[31mx"' })).not.toMatch(
      /\p{Cc}/u,
    );
  });
});
