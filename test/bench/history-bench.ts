import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  createS3Client,
  listHistory,
  writeArchive,
  type HistoryEntry,
} from "@macaque/shared/history";
import { sandboxCredentials, startStack, type Stack } from "@macaque/sandbox";
import { trendPoints } from "../../cli/src/trend.ts";

/**
 * How fast `macaque history --asg` and `macaque trend` answer with 10,000
 * archived experiments on one group (and 2,000 on others, so the bucket is not
 * the group alone): the index listing in process, and the CLI as a process
 * (Node start-up included), each the median of 5 runs. Part of `npm run bench`;
 * alone: `node --conditions=source test/bench/history-bench.ts`.
 */

const onGroup = Number(process.env.BENCH_HISTORY_EXPERIMENTS ?? "10000");
const onOthers = Math.round(onGroup / 5);
const cliBin = fileURLToPath(new URL("../../cli/bin/macaque.js", import.meta.url));

const medianMs = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(run: () => Promise<T>, times = 5): Promise<{ ms: number; last: T }> {
  const durations: number[] = [];
  let last!: T;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    last = await run();
    durations.push(performance.now() - start);
  }
  return { ms: medianMs(durations), last };
}

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`macaque ${args.join(" ")}: ${code} ${err}`)),
    );
  });
}

/** A recovery record about the size of a real one (the rendered report is most of it). */
function archiveItem(asg: string, i: number, startMs: number) {
  const at = new Date(startMs - i * 600_000).toISOString();
  const seconds = 40 + ((i * 7919) % 13) - 6 + (i % 97 === 0 ? 45 : 0);
  const entry: HistoryEntry = {
    at,
    experimentId: `exp-${asg}-${String(i).padStart(8, "0")}`,
    asg,
    outcome: i % 50 === 0 ? "rejected" : "recovered",
    verdict: i % 50 === 0 ? "none" : "pass",
    mode: i % 2 === 0 ? "ec2" : "asg",
    victims: 2,
    timeToRecoverSeconds: i % 50 === 0 ? null : seconds,
    precisionSeconds: i % 50 === 0 ? null : 5,
    regression: i % 97 === 0,
    requestedBy: "bench",
  };
  const report = `Recovery report: ${asg}\n${"timeline and facts ".repeat(120)}`;
  return {
    entry,
    record: { ...entry, report: { subject: asg, text: report, html: `<html>${report}</html>` } },
  };
}

export async function benchHistory(stack: Stack): Promise<void> {
  const s3 = createS3Client({
    region: stack.region,
    endpoint: stack.endpoints.s3,
    credentials: sandboxCredentials,
    maxAttempts: 5,
  });
  const bucket = stack.historyBucket;
  const asg = "bench-history";
  const now = Date.now();
  const items = [
    ...Array.from({ length: onGroup }, (_, i) => archiveItem(asg, i, now)),
    ...Array.from({ length: onOthers }, (_, i) => archiveItem(`other-${i % 20}`, i, now)),
  ];
  const seedStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < items.length) await writeArchive(s3, bucket, items[next++]!);
    }),
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const page = await timed(() => listHistory(s3, bucket, { asg, limit: 20 }));
  const pageAll = await timed(() => listHistory(s3, bucket, { limit: 20 }));
  const since = new Date(now - 90 * 86_400_000);
  const trend = await timed(async () => {
    const listed = await listHistory(s3, bucket, { asg, since });
    return { listed, points: trendPoints(listed.entries) };
  });
  const env = { ...stack.env, HISTORY_BUCKET: bucket };
  const cliHistory = await timed(() => runCli(["history", "--asg", asg], env));
  const cliTrend = await timed(() => runCli(["trend", "--asg", asg, "--since", "90d"], env));
  const cliVersion = await timed(() => runCli(["--version"], env));
  s3.destroy();

  const row = (label: string, value: string) => console.log(`${label.padEnd(48)}${value}`);
  console.log(
    `\nhistory: ${onGroup} archived experiments on one group, ${onOthers} on 20 others (4 objects each)`,
  );
  row(
    "seeding the archive",
    `${seedSeconds.toFixed(1)} s (${Math.round((items.length * 4) / seedSeconds)} PUTs/s)`,
  );
  row(
    "history --asg, first page (index only)",
    `${page.ms.toFixed(0)} ms, ${page.last.calls} listing call`,
  );
  row(
    "history, every group, first page",
    `${pageAll.ms.toFixed(0)} ms, ${pageAll.last.calls} listing call`,
  );
  row(
    "trend --since 90d (index only)",
    `${trend.ms.toFixed(0)} ms, ${trend.last.listed.calls} listing calls, ${trend.last.points.length} runs`,
  );
  row("macaque history --asg (CLI process)", `${cliHistory.ms.toFixed(0)} ms`);
  row("macaque trend --asg --since 90d (CLI process)", `${cliTrend.ms.toFixed(0)} ms`);
  row("macaque --version (CLI start-up alone)", `${cliVersion.ms.toFixed(0)} ms`);
}

if (import.meta.main) {
  const stack = await startStack({ prefix: `bench-history-${process.pid}` });
  try {
    await benchHistory(stack);
  } finally {
    await stack.stop();
  }
}
