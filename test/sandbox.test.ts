import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { EventType, experimentAttribute, experimentIdFor } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { sqsAt } from "./support/aws.ts";
import { openTestTap } from "./support/event-tap.ts";

/**
 * `npm run sandbox` as the README tells a newcomer to run it: started from the
 * repository root, ready when it says so, and gone — every child with it — after
 * Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it).
 */

interface Sandbox {
  pid: number;
  /** stdout lines as they are, stderr lines prefixed `stderr: `. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves once the sandbox printed its last ready line; rejects if it exits first. */
  ready: Promise<void>;
}

function startSandbox(env: Record<string, string>): Sandbox {
  const child = spawn("npm", ["run", "sandbox"], {
    cwd: new URL("..", import.meta.url),
    // Its own process group, as a shell runs a foreground job.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SANDBOX_SQS_PORT: "0",
      SANDBOX_SES_PORT: "0",
      SANDBOX_INBOX_PORT: "0",
      SANDBOX_FLEET_SIM_PORT: "0",
      SANDBOX_SCHEDULER_PORT: "0",
      MACAQUE_NAME_PREFIX: `t-sandbox-${randomBytes(3).toString("hex")}`,
      SANDBOX_DATA_DIR: "off",
      ...env,
    },
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stderr }).on("line", (l) => lines.push(`stderr: ${l}`));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      if (line === "Ctrl-C stops everything.") resolve();
    });
    void exited.then((code) =>
      reject(new Error(`sandbox exited (${JSON.stringify(code)}):\n${lines.join("\n")}`)),
    );
  });
  ready.catch(() => undefined);
  return { pid: child.pid!, lines, exited, ready };
}

/** Every process below `pid` (its children, theirs, ...), as the OS sees them now. */
function descendants(pid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const kill = (pid: number) => {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
};

/** Whether a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("npm run sandbox", () => {
  it("starts every stand-in on loopback, e-mails a report nobody asked for to the sandbox's recipient, and stops quietly on Ctrl-C", async () => {
    const sandbox = startSandbox({});
    const { lines } = sandbox;
    let children: number[] = [];
    try {
      await sandbox.ready;
      const endpointOf = (label: string) => {
        const line = lines.find((l) => l.trimStart().startsWith(label));
        if (!line) throw new Error(`no ${label} line in:\n${lines.join("\n")}`);
        return line.match(/(?:https?:\/\/|arn:)[^\s]+/)![0].replace(/\/$/, "");
      };
      const sqsEndpoint = endpointOf("SQS + SNS");
      const fleetSim = endpointOf("EC2 + Auto Scaling");
      const inbox = endpointOf("SES web inbox");
      const groups = (await (await fetch(`${fleetSim}/_sim/groups/demo-web/timeline`)).json()) as {
        events: unknown[];
      };
      expect(Array.isArray(groups.events)).toBe(true);
      expect((await fetch(`${inbox}/health-check`)).status).toBe(200);
      expect(lines.join("\n")).toMatch(
        /services\s+producer, terminator, recovery-monitor, notifier/,
      );

      // Every stand-in answers on loopback and on no other address of this machine.
      const elsewhere = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
      for (const label of ["SQS + SNS", "SES  ", "SES web inbox", "EC2 + Auto Scaling"]) {
        const port = Number(new URL(endpointOf(label)).port);
        expect(await accepts("127.0.0.1", port), `${label} on 127.0.0.1`).toBe(true);
        if (elsewhere)
          expect(await accepts(elsewhere, port), `${label} on ${elsewhere}`).toBe(false);
      }

      // A job message as the README's: no notify.emails, no recovery options.
      const requestId = `t-sandbox-${randomBytes(4).toString("hex")}`;
      const experimentId = experimentIdFor(requestId);
      const tap = await openTestTap(
        { sqsEndpoint, snsEndpoint: sqsEndpoint, topicArn: endpointOf("events topic") },
        { filterPolicy: { [experimentAttribute]: [experimentId] } },
      );
      const sqs = sqsAt(sqsEndpoint);
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: endpointOf("request queue"),
            MessageBody: JSON.stringify({ asg: "demo-web", count: 1, requestId }),
          }),
        );
        const sent = await tap.waitForEvent(experimentId, EventType.reportSent, 45_000);
        // Published before the report it led to: seen by now, or on its way.
        const completed = await tap.waitForEvent(experimentId, EventType.recoveryCompleted);
        // The sandbox's default check interval at its time scale 0.1: 10 s x 0.1.
        expect(completed.data).toMatchObject({ outcome: "recovered", checkIntervalSeconds: 1 });
        expect(sent.data.recipients).toEqual(["sre@example.com"]);
        const email = (await readInbox(inbox)).find((e) => e.subject === sent.data.subject);
        expect(email?.to).toEqual(["sre@example.com"]);
        expect(email?.text).toContain(experimentId);
      } finally {
        await tap.close();
        sqs.destroy();
      }

      // The sandbox (under npm), its four services and five stand-ins.
      children = descendants(sandbox.pid);
      expect(children.length).toBeGreaterThanOrEqual(10);
      const mark = lines.length;
      process.kill(-sandbox.pid, "SIGINT");
      // npm itself may die of the SIGINT; the sandbox under it must say it stopped everything.
      const { code, signal } = await sandbox.exited;
      expect(code === 0 || code === 130 || signal === "SIGINT").toBe(true);
      const afterSignal = lines.slice(mark);
      expect(afterSignal).toContain("macaque sandbox: stopped");
      // The services stopped before the stand-ins they use: no connection errors, no stacks.
      expect(afterSignal.join("\n")).not.toMatch(/ECONNREFUSED|Error|^\s+at /m);
      expect(afterSignal.length, afterSignal.join("\n")).toBeLessThanOrEqual(5);
      expect(children.filter(alive)).toEqual([]);
    } finally {
      // Whatever is left (nothing, when the test passed).
      kill(-sandbox.pid);
      children.forEach(kill);
    }
  }, 90_000);

  it("names the variable that moves a port someone else holds, and exits 3", async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as { port: number }).port;
    const sandbox = startSandbox({ SANDBOX_SQS_PORT: String(port) });
    try {
      const { code } = await sandbox.exited;
      expect(code).toBe(3);
      // Besides npm's own lines: what it is starting, and the one line that says what to do.
      const own = sandbox.lines.filter(
        (l) => l.trim() !== "" && !l.startsWith("> ") && !l.startsWith("stderr: npm "),
      );
      expect(own).toEqual([
        "macaque sandbox: starting fauxqs, aws-ses-v2-local, the fleet simulator and Redis ...",
        `stderr: macaque sandbox: port ${port} (SQS + SNS, fauxqs) is already in use; set SANDBOX_SQS_PORT to another port, or to 0 to pick a free one`,
      ]);
      expect(sandbox.lines.join("\n")).not.toMatch(/EADDRINUSE|^(stderr: )?\s+at /m);
    } finally {
      kill(-sandbox.pid);
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 60_000);
});
