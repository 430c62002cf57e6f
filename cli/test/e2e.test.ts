import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetSimControl } from "@macaque/fleet-sim";
import { readInbox, startStack, type Stack } from "@macaque/sandbox";
import { uniquePrefix } from "../../test/support/aws.ts";
import { startTestServices } from "../../test/support/processes.ts";
import { waitFor } from "../../test/support/wait.ts";
import { runCli } from "./support.ts";

/**
 * The whole pipeline: the CLI enrols a recipient and sends the job, the four
 * services carry it out against the fleet simulator, the CLI reports what the
 * monitor measured, and the enrolled recipient gets the report.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("cli-e2e"), timeScale: 0.01 });
  await startTestServices(stack);
});

afterAll(async () => {
  await stack?.stop();
});

describe("macaque run against the running services", () => {
  it("terminates one instance, exits 0 with the time to recover, and mails the enrolled recipient", async () => {
    const group = "e2e-web";
    const control = createFleetSimControl(stack.endpoints.fleetSim);
    // Made warm: its three instances are InService and Healthy at once.
    await control.createGroup({
      name: group,
      desiredCapacity: 3,
      tags: { "macaque:enabled": "true" },
    });

    const enrolled = runCli(["recipients", "add", "oncall@example.com"], stack.env);
    expect(await enrolled.exited, enrolled.stderr()).toBe(0);

    const cli = runCli(
      [
        "run",
        "--asg",
        group,
        "--count",
        "1",
        "--yes",
        "--check-interval",
        "0.5s",
        "--deadline",
        "2m",
      ],
      stack.env,
    );
    expect(await cli.exited, `${cli.stdout()}\n${cli.stderr()}`).toBe(0);
    const out = cli.stdout();
    expect(out).toContain(`RECOVERED (${group}): back to 3 InService and Healthy`);
    // The error bar the monitor measured (a launch event dates it in the sandbox).
    expect(out).toMatch(/time to recover +\d+(\.\d+)? s \(± [\d.]+ s, \d+ checks?\)/);
    expect(out).toMatch(/precision +true time between [\d.]+ s and [\d.]+ s/);
    expect(out).toMatch(/replacements +i-[0-9a-f]+/);

    // The simulator's own record agrees that the group healed.
    const timeline = await control.timeline(group);
    expect(timeline.recoveries.length).toBeGreaterThan(0);

    const experimentId = /experiment +(exp-[0-9a-f]{16})/.exec(out)![1]!;
    const report = await waitFor("the report to the enrolled recipient", async () =>
      (await readInbox(stack.endpoints.inbox)).find(
        (mail) => mail.to.includes("oncall@example.com") && mail.text.includes(experimentId),
      ),
    );
    expect(report.subject).toContain(group);
  }, 60_000);
});
