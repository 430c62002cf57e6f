import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/abandoning-service.ts", import.meta.url));

describe("runService", () => {
  it("says so and exits 1 when a stop leaves messages still being handled", async () => {
    const child = spawn(process.execPath, ["--conditions=source", fixture], {
      env: { ...process.env, HTTP_PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Array<Record<string, unknown>> = [];
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.event === "service.ready") resolve();
      });
    });
    await ready;
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(1);
    const abandoned = lines.find((l) => l.event === "service.work-abandoned");
    expect(abandoned).toMatchObject({ level: "error", messages: 1 });
    expect(lines.some((l) => l.event === "service.stopped")).toBe(false);
  });
});
