import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

/**
 * `npm run sandbox` as the README tells a newcomer to run it: started from the
 * repository root, ready when it says so, and gone — every child with it — after
 * Ctrl-C (SIGINT to the whole process group, as a terminal sends it).
 */
describe("npm run sandbox", () => {
  it("starts every stand-in and service, answers on the printed endpoints, and stops them all on Ctrl-C", async () => {
    const child = spawn("npm", ["run", "sandbox"], {
      cwd: new URL("..", import.meta.url),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        SANDBOX_SQS_PORT: "0",
        SANDBOX_SES_PORT: "0",
        SANDBOX_INBOX_PORT: "0",
        SANDBOX_FLEET_SIM_PORT: "0",
        MACAQUE_NAME_PREFIX: `t-sandbox-${process.pid}`,
      },
    });
    const lines: string[] = [];
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    createInterface({ input: child.stderr! }).on("line", (l) => lines.push(`stderr: ${l}`));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        lines.push(line);
        if (line.includes("macaque sandbox is ready")) resolve();
      });
      void exited.then((code) =>
        reject(new Error(`sandbox exited (${code}):\n${lines.join("\n")}`)),
      );
    });
    try {
      await ready;
      // Wait for the endpoint table that follows the ready line.
      const endpointOf = async (label: string) => {
        for (let i = 0; i < 100; i++) {
          const line = lines.find((l) => l.trimStart().startsWith(label));
          if (line) return line.match(/http:\/\/[^\s]+/)![0];
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no ${label} line in:\n${lines.join("\n")}`);
      };
      const fleetSim = await endpointOf("EC2 + Auto Scaling");
      const inbox = (await endpointOf("SES web inbox")).replace(/\/$/, "");
      const groups = (await (await fetch(`${fleetSim}/_sim/groups/demo-web/timeline`)).json()) as {
        events: unknown[];
      };
      expect(Array.isArray(groups.events)).toBe(true);
      expect((await fetch(`${inbox}/health-check`)).status).toBe(200);
      expect(lines.join("\n")).toMatch(
        /services\s+producer, terminator, recovery-monitor, notifier/,
      );

      process.kill(-child.pid!, "SIGINT");
      // npm itself may die of the SIGINT; the sandbox under it must say it stopped everything.
      const { code, signal } = await exited;
      expect(code === 0 || signal === "SIGINT").toBe(true);
      expect(lines).toContain("macaque sandbox: stopped");
      await expect(fetch(`${fleetSim}/_sim/health`)).rejects.toThrow();
      await expect(fetch(`${inbox}/health-check`)).rejects.toThrow();
    } finally {
      // Whatever is left of the group (nothing, when the test passed).
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }, 60_000);
});
