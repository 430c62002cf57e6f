import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--conditions=source", MAIN], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

describe("main.ts", () => {
  it("refuses a bad FLEET_SIM_TIME_SCALE, naming the variable", async () => {
    const { child, output } = run({ FLEET_SIM_TIME_SCALE: "fast" });
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(1);
    expect(output().stderr).toContain("FLEET_SIM_TIME_SCALE");
  });

  it("refuses a negative FLEET_SIM_TIME_SCALE", async () => {
    const { child, output } = run({ FLEET_SIM_TIME_SCALE: "-1" });
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(1);
    expect(output().stderr).toMatch(/FLEET_SIM_TIME_SCALE.*-1/);
  });

  it("logs where it listens, serves, and stops on SIGTERM", async () => {
    const { child } = run({ FLEET_SIM_PORT: "0", FLEET_SIM_TIME_SCALE: "0.01" });
    try {
      const url = await listeningUrl(child);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/_sim/health`);
      expect(await health.json()).toEqual({ ok: true });
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

/** Resolves with the URL the listening line announces (the test's timeout bounds the wait). */
async function listeningUrl(child: ChildProcess): Promise<string | undefined> {
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { event?: string; url?: string };
    if (entry.event === "fleet-sim.listening") return entry.url;
  }
  return undefined;
}
