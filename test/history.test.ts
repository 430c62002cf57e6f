import { AutoScalingClient, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { runCli } from "../cli/test/support.ts";
import { sandboxClient } from "./support/aws.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";
import { chartX, chartY } from "../cli/src/trend.ts";

/**
 * History end to end: real experiments on a simulated group are archived by
 * the notifier; a new launch template that boots ten times slower makes the
 * next run a regression that recovery.completed, the SNS summary and the
 * e-mail name with the launch-template change; the CLI's history, show and
 * trend read it all back through the unmodified S3 client; the trend page is
 * rendered in headless Chromium.
 */

let p: Pipeline;
let asg: string;
const ids: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "macaque-history-"));
const chromium = "/usr/bin/chromium";

const cliEnv = () => ({ ...p.stack.env, AWS_MAX_ATTEMPTS: "2" });
async function cli(args: string[]) {
  const run = runCli(args, cliEnv());
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

async function experiment(): Promise<string> {
  const id = await p.submit({
    asg,
    count: 1,
    mode: "asg",
    recovery: { checkIntervalSeconds: 0.1, deadlineSeconds: 60 },
    requestedBy: "history-test",
    notify: { emails: ["sre@example.com"] },
  });
  await p.waitForEvent(id, EventType.recoveryCompleted);
  // The next run's comparison reads this one from the archive.
  await p.services.notifier.waitForLog("experiment.archived", id);
  ids.push(id);
  return id;
}

beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
  // 100 s boot and up to 5 s to healthy at time scale 0.01: about 1.1 s to recover, so
  // the 0.1 s check interval and scheduling noise stay well inside the 1.5 × median line.
  asg = await p.createGroup({ desiredCapacity: 4, minSize: 2, maxSize: 8, bootSeconds: 100 });
}, 60_000);

afterAll(async () => {
  await p?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("history", () => {
  it("reports a regression after a launch-template change, naming the change", async () => {
    for (let i = 0; i < 4; i++) await experiment();
    const normal = await p.waitForEvent(ids.at(-1)!, EventType.recoveryCompleted);
    expect(normal.data.regression?.status).toBe("normal");

    // The new launch template version boots ten times slower.
    const autoScaling = sandboxClient(AutoScalingClient, p.stack.endpoints.autoScaling);
    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: asg,
        LaunchTemplate: { LaunchTemplateName: `${asg}-template`, Version: "2" },
      }),
    );
    autoScaling.destroy();
    await p.sim.setTiming(asg, { bootSeconds: 1000 });

    const slow = await experiment();
    const completed = await p.waitForEvent(slow, EventType.recoveryCompleted);
    const regression = completed.data.regression!;
    expect(regression.status).toBe("regression");
    expect(regression.runs.map((r) => r.experimentId)).toEqual(ids.slice(0, 4).reverse());
    expect(completed.data.timeToRecoverSeconds!).toBeGreaterThan(regression.thresholdSeconds!);
    expect(regression.lastNormalExperimentId).toBe(ids[3]);
    expect(regression.changes).toEqual([
      {
        field: "launchTemplate",
        label: "launch template",
        before: `${asg}-template version $Default`,
        after: `${asg}-template version 2`,
      },
    ]);

    const summary = await p.reports.waitForSummary("the regression summary", (s) =>
      s.message.includes(slow),
    );
    expect(summary.subject).toContain("REGRESSION");
    expect(summary.message).toMatch(/REGRESSION: [\d.]+ s, median of the last 4 runs [\d.]+ s/);
    expect(summary.message).toContain(
      `what changed: launch template: ${asg}-template version $Default → ${asg}-template version 2`,
    );
    const [mail] = (await readInbox(p.stack.endpoints.inbox)).filter((m) => m.text.includes(slow));
    expect(mail!.text).toContain("Recent runs (time to recover, same mode)");
    expect(mail!.html).toContain('class="run-bar"');
    expect(mail!.html.match(/class="run-bar"/g)).toHaveLength(5);
  }, 120_000);

  it("lists the group's experiments newest first, shows a report and pages", async () => {
    const all = await cli(["history", "--asg", asg, "--since", "1d"]);
    expect(all.code, all.stderr).toBe(0);
    const rows = all.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^when \(UTC\)\s+group\s+victims\s+mode\s+outcome\s+time to recover/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).at(-1))).toEqual([...ids].reverse());
    expect(rows[1]).toContain("REGRESSION");
    expect(rows[1]).toContain("history-test");

    const first = await cli(["history", "--asg", asg, "--limit", "2", "--json"]);
    const page1 = first.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { experimentId: string });
    expect(page1.map((e) => e.experimentId)).toEqual([ids[4], ids[3]]);
    const more = /--after '([^']+)'/.exec(first.stderr)![1]!;
    const second = await cli(["history", "--asg", asg, "--limit", "2", "--json", "--after", more]);
    expect(
      second.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { experimentId: string }).experimentId),
    ).toEqual([ids[2], ids[1]]);

    const shown = await cli(["show", ids[4]!]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Recovery report: ${asg}`);
    expect(shown.stdout).toContain("REGRESSION");
    const html = join(dir, "report.html");
    expect((await cli(["show", ids[4]!, "--html", html])).code).toBe(0);
    expect(readFileSync(html, "utf8")).toContain("What changed since the last normal run");

    const missing = await cli(["show", "exp-0000000000000000"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no experiment exp-0000000000000000 in the history bucket");
  }, 60_000);

  it("plots the trend in the terminal and as a page headless Chromium renders", async () => {
    const page = join(dir, "trend.html");
    const trend = await cli(["trend", "--asg", asg, "--since", "7d", "--html", page]);
    expect(trend.code, trend.stderr).toBe(0);
    expect(trend.stdout).toContain(`time to recover of ${asg}, 5 recovered runs`);
    expect(trend.stdout).toContain("!"); // the regression's mark
    expect(existsSync(chromium), `${chromium} is missing: apt-get install -y chromium`).toBe(true);

    const profile = mkdtempSync(join(dir, "chromium-"));
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      `--user-data-dir=${profile}`,
    ];
    const dom = spawnSync(chromium, [...flags, "--dump-dom", `file://${page}`], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(dom.status, dom.stderr).toBe(0);
    const svg = /<svg id="trend"[^>]*data-y-max="([\d.]+)"[^>]*data-runs="(\d+)"/.exec(dom.stdout)!;
    const [max, runs] = [Number(svg[1]), Number(svg[2])];
    expect(runs).toBe(5);
    const circles = [
      ...dom.stdout.matchAll(
        /<circle class="run( regression)?" data-experiment-id="([^"]+)" data-seconds="([\d.]+)" cx="([\d.]+)" cy="([\d.]+)"/g,
      ),
    ];
    expect(circles.map((c) => c[2])).toEqual(ids);
    circles.forEach((c, i) => {
      expect(Number(c[4])).toBe(chartX(i, runs));
      expect(Number(c[5])).toBe(chartY(Number(c[3]), max));
    });
    expect(circles.map((c) => c[1] !== undefined)).toEqual([false, false, false, false, true]);
    const median = /<polyline id="rolling-median"[^>]*points="([^"]+)"/.exec(dom.stdout)![1]!;
    expect(median.split(" ")).toHaveLength(5);

    const png = join(dir, "trend.png");
    const shot = spawnSync(
      chromium,
      [...flags, `--screenshot=${png}`, "--window-size=960,480", `file://${page}`],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(shot.status, shot.stderr).toBe(0);
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe("PNG");
    expect(image.length).toBeGreaterThan(10_000);
    if (process.env.KEEP_TREND_PNG) spawnSync("cp", [png, process.env.KEEP_TREND_PNG]);
  }, 120_000);
});
