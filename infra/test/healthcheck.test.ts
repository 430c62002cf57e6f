import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthUrl, isHealthy } from "../../deploy/healthcheck.ts";
import { repoPath } from "./support/repo.ts";

const run = promisify(execFile);

describe("the container health probe (deploy/healthcheck.ts)", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
      res.writeHead(req.url === "/healthz" ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    [{}, "http://127.0.0.1:8080/healthz"],
    [{ HTTP_PORT: "9000" }, "http://127.0.0.1:9000/healthz"],
    [{ HTTP_PORT: "" }, "http://127.0.0.1:8080/healthz"],
  ])("probes the ops port of %j", (env, url) => {
    expect(healthUrl(env)).toBe(url);
  });

  it("is healthy only on a 2xx answer in time", async () => {
    expect(await isHealthy(`${base}/healthz`, 1_000)).toBe(true);
    expect(await isHealthy(`${base}/readyz`, 1_000)).toBe(false);
    expect(await isHealthy(`${base}/slow`, 100)).toBe(false);
    expect(await isHealthy("http://127.0.0.1:1/healthz", 1_000)).toBe(false);
  });

  it("exits 0 when healthy and 1 when not, as HEALTHCHECK expects", async () => {
    const port = new URL(base).port;
    const probe = (env: Record<string, string>, ...args: string[]) =>
      run(process.execPath, [repoPath("deploy/healthcheck.ts"), ...args], {
        env: { PATH: process.env.PATH, ...env },
      }).then(
        () => 0,
        (err: { code: number }) => err.code,
      );
    expect(await probe({ HTTP_PORT: port })).toBe(0);
    expect(await probe({}, `${base}/readyz`)).toBe(1);
  });
});
