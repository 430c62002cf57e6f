import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoPath } from "./support/repo.ts";

const run = promisify(execFile);
const outDirs: string[] = [];

/** Runs the CDK app the way `cdk synth` does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
async function synth(context: Record<string, unknown>) {
  const outDir = mkdtempSync(join(tmpdir(), "macaque-cdk-"));
  outDirs.push(outDir);
  const result = await run(process.execPath, ["--conditions=source", "src/main.ts"], {
    cwd: repoPath("infra"),
    env: {
      ...process.env,
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_DEFAULT_ACCOUNT: "123456789012",
      CDK_DEFAULT_REGION: "eu-west-1",
    },
  }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  return { ...result, outDir };
}

afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

describe("the CDK app (infra/src/main.ts)", () => {
  it("stops with the missing context key named", async () => {
    const { code, stderr } = await synth({});
    expect(code).toBe(1);
    expect(stderr).toContain("senderEmail: is required (-c senderEmail=...)");
  });

  it("builds the image from the repository's Dockerfile, with the .dockerignore'd context", async () => {
    const { code, outDir } = await synth({ senderEmail: "chaos@example.com" });
    expect(code).toBe(0);
    const template = JSON.parse(readFileSync(join(outDir, "macaque-chaos.template.json"), "utf8"));
    expect(JSON.stringify(template)).toContain("cdk-hnb659fds-container-assets");
    const [asset] = readdirSync(outDir).filter((f) => f.startsWith("asset."));
    const context = join(outDir, asset!);
    expect(existsSync(join(context, "Dockerfile"))).toBe(true);
    expect(existsSync(join(context, "services/producer/src/main.ts"))).toBe(true);
    for (const ignored of ["node_modules", "shared/dist", "infra/test", ".git", "infra/cdk.out"]) {
      expect(existsSync(join(context, ignored)), ignored).toBe(false);
    }
    // A whole synth copies the image's context; beside the end-to-end files running at
    // the same time on a 2-core machine it took up to 46 s.
  }, 120_000);
});
