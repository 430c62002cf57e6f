import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs `body` in a fresh Node process (nothing loaded yet) and returns what it printed as JSON. */
function probe(body: string): Record<string, boolean> {
  const script = [
    'import { createRequire } from "node:module";',
    'const history = await import("@macaque/shared/history");',
    "const require = createRequire(import.meta.url);",
    'const s3Loaded = () => Object.keys(require.cache).some((k) => k.includes("/@aws-sdk/client-s3/"));',
    body,
  ].join("\n");
  const result = spawnSync(
    process.execPath,
    ["--conditions=source", "--input-type=module", "-e", script],
    { env: { PATH: process.env.PATH }, encoding: "utf8" },
  );
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Record<string, boolean>;
}

describe("the history bucket's S3 client", () => {
  it("is not loaded by importing the history module or connecting the bucket", () => {
    const seen = probe(
      [
        'const bucket = history.connectHistoryBucket({ region: "us-east-1" }, { HISTORY_BUCKET: "b" });',
        'history.createWriteOnceLog(bucket, "decisions/");',
        "bucket.destroy();",
        "console.log(JSON.stringify({ loaded: s3Loaded() }));",
      ].join("\n"),
    );
    expect(seen).toEqual({ loaded: false });
  });

  it("is built once, at the first use of the bucket's client", () => {
    const seen = probe(
      [
        'const bucket = history.connectHistoryBucket({ region: "us-east-1" }, { HISTORY_BUCKET: "b" });',
        "const first = bucket.s3;",
        "const same = bucket.s3 === first;",
        "bucket.destroy();",
        "console.log(JSON.stringify({ loaded: s3Loaded(), same }));",
      ].join("\n"),
    );
    expect(seen).toEqual({ loaded: true, same: true });
  });
});
