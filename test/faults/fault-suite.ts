/**
 * `npm run faults`: every scenario of the fault suite against one sandbox, in
 * turn, and a table of what came of the experiments (figures, not assertions:
 * test/faults-a.test.ts and faults-b.test.ts assert the quick set's zeros in CI).
 *
 * Options (environment): FAULTS_ONLY=name,name (scenario keys, default all);
 * FAULTS_OUTAGE_SCALE (default 1: a "2 min" outage lasts 2 min; 0.1 shortens it to 12 s).
 */
import { formatRows, runScenario, scenarios, startFaultRedis, type Row } from "./scenarios.ts";
import { startPipeline } from "../support/pipeline.ts";

const only = process.env.FAULTS_ONLY?.split(",").filter(Boolean);
const chosen = Object.entries(scenarios).filter(([key]) => !only || only.includes(key));
const redis = await startFaultRedis(Number(process.env.FAULTS_OUTAGE_SCALE ?? "1"));
const p = await startPipeline({
  timeScale: 0.01,
  redisUrl: redis.url,
  services: { env: { LOG_LEVEL: "debug" } },
});
const rows: Row[] = [];
try {
  for (const [key, scenario] of chosen) {
    process.stderr.write(`faults: ${key} ...\n`);
    const row = await runScenario(p, scenario, redis.controls);
    process.stderr.write(`${formatRows([row]).split("\n").pop()}\n`);
    rows.push(row);
  }
} finally {
  await p.stop();
  await redis.stop();
}
console.log(formatRows(rows));
const bad = rows.filter((r) => r.lost || r.duplicated);
const misstated = rows.reduce((n, r) => n + r.dishonest, 0);
console.log(
  bad.length === 0
    ? "\n0 lost, 0 duplicated in every scenario"
    : `\n${bad.length} scenario(s) lost or duplicated something`,
);
console.log(
  misstated === 0
    ? "every true time to recover within the bounds its report stated"
    : `${misstated} true time(s) to recover outside the bounds their reports stated`,
);
process.exit(bad.length === 0 && misstated === 0 ? 0 : 1);
