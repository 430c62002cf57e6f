/**
 * Renders sample reports to HTML and text files to look at:
 *   node --conditions=source services/notifier/scripts/render-sample.ts [out-dir] [--png]
 * The default out-dir is /tmp/macaque-report-samples. With --png, headless
 * Chromium (`chromium` on the PATH, or CHROMIUM=/path) screenshots each one.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EventType } from "@macaque/shared";
import { buildReport, renderReport } from "../src/render-report.ts";
import {
  dryRunPlannedData,
  event,
  notRecoveredData,
  recoveryCompletedData,
  rejectedData,
  stoppedData,
  terminationFailedData,
} from "../test/fixtures.ts";

const args = process.argv.slice(2);
const png = args.includes("--png");
const outDir = resolve(args.find((a) => !a.startsWith("--")) ?? "/tmp/macaque-report-samples");
mkdirSync(outDir, { recursive: true });

const samples = {
  recovery: event(EventType.recoveryCompleted, recoveryCompletedData(), "exp-20251126-web-1"),
  "not-recovered": event(EventType.recoveryCompleted, notRecoveredData(), "exp-20251126-web-1"),
  stopped: event(EventType.recoveryCompleted, stoppedData(), "exp-20251126-web-1"),
  rejection: event(EventType.experimentRejected, rejectedData(), "exp-rejected-1"),
  "termination-failure": event(EventType.terminationFailed, terminationFailedData(), "exp-tf-1"),
  "dry-run": event(EventType.experimentPlanned, dryRunPlannedData(), "exp-dry-1"),
};

for (const [name, sample] of Object.entries(samples)) {
  const report = buildReport(sample);
  if (!report) continue;
  const rendered = renderReport(report);
  writeFileSync(join(outDir, `${name}.html`), rendered.html);
  writeFileSync(join(outDir, `${name}.txt`), `Subject: ${rendered.subject}\n\n${rendered.text}`);
  process.stdout.write(`${join(outDir, `${name}.html`)}  ${rendered.subject}\n`);
  if (png) screenshot(join(outDir, `${name}.html`), join(outDir, `${name}.png`));
}

function screenshot(html: string, file: string): void {
  execFileSync(
    process.env.CHROMIUM ?? "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--window-size=720,1400",
      `--screenshot=${file}`,
      `file://${html}`,
    ],
    { stdio: "ignore", timeout: 60_000 },
  );
  process.stdout.write(`${file}\n`);
}
