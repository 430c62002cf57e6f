import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import {
  PortInUseError,
  RedisServerMissingError,
  startServices,
  startStack,
} from "@macaque/sandbox";
import { uniquePrefix, waitFor } from "../../../test/support/aws.ts";

/** This process's living children, as the OS sees them. */
const childProcesses = (): string[] =>
  execFileSync("ps", ["--ppid", String(process.pid), "-o", "args="], { encoding: "utf8" })
    .split("\n")
    // Node entries and redis-server; not the ps that asks.
    .filter((line) => line.includes("conditions=source") || line.startsWith("redis-server"));

/** Whether a process is gone: no such pid, or a zombie (an orphan's exit may wait for init to reap it). */
const exited = (pid: number): boolean => {
  try {
    return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .startsWith("Z");
  } catch {
    return true; // ps exits 1 when there is no such process
  }
};

const gone = (child: { exitCode: number | null; signalCode: string | null }) =>
  child.exitCode !== null || child.signalCode !== null;

describe("startStack", () => {
  it("stops the services it adopted, then every stand-in, leaving no process behind", async () => {
    const stack = await startStack({ prefix: uniquePrefix("stack"), timeScale: 0.01 });
    // LOG_LEVEL=warn: the ready line a launcher waits for is written all the same.
    const services = Object.values(await startServices(stack, { env: { LOG_LEVEL: "warn" } }));
    const standIns = [...stack.processes];
    expect(standIns.map((p) => p.name).sort()).toEqual(
      ["fauxqs", "fleet-sim", "redis-server", "scheduler-sim", "ses", "ses-front"].sort(),
    );
    await stack.stop();
    for (const p of [...services, ...standIns]) expect(gone(p.child), p.name).toBe(true);
    // The services stopped gracefully (exit 0), not killed with their stand-ins gone.
    expect(services.map((p) => p.child.exitCode)).toEqual([0, 0, 0, 0]);
  });

  it("says how to install redis-server when it is missing, and stops the stand-ins that did start", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startStack({ prefix: uniquePrefix("noredis") })).rejects.toThrow(
        RedisServerMissingError,
      );
    } finally {
      process.env.PATH = path;
    }
    expect(childProcesses()).toEqual([]);
  });

  it("names the stand-in whose fixed port is taken, and stops the stand-ins that did start", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const failure = await startStack({
        prefix: uniquePrefix("busy"),
        ports: { fleetSim: port },
      }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(PortInUseError);
      expect(failure).toMatchObject({ standIn: "fleetSim", port });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(childProcesses()).toEqual([]);
  });

  it("stops its Node children when the process that started them is killed outright", async () => {
    // A launcher that starts fauxqs, prints its pid, and is then SIGKILLed: no
    // signal handler and no exit hook of it runs, only the child's own watchdog.
    const launcher = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--input-type=module",
        "-e",
        `import { startFauxqs } from "@macaque/sandbox";
         const fauxqs = await startFauxqs();
         console.log(fauxqs.child.pid);
         setInterval(() => {}, 60_000);`,
      ],
      { cwd: new URL("../../../", import.meta.url), stdio: ["ignore", "pipe", "inherit"] },
    );
    const [line] = (await once(createInterface({ input: launcher.stdout }), "line")) as [string];
    const fauxqs = Number(line);
    try {
      expect(exited(fauxqs)).toBe(false);
      launcher.kill("SIGKILL");
      await once(launcher, "exit");
      // Not a child of this process: its exit cannot be awaited, only observed.
      await waitFor(`fauxqs (pid ${fauxqs}) to stop`, async () => exited(fauxqs) || undefined);
    } finally {
      launcher.kill("SIGKILL");
      try {
        process.kill(fauxqs, "SIGKILL");
      } catch {
        // gone, as it should be
      }
    }
  });
});
