import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

async function answer(
  url: string,
  res: ServerResponse,
  options: { registry: Registry; ready: () => Promise<boolean> },
): Promise<void> {
  const reply = (status: number, body: string, type = "application/json") => {
    res.writeHead(status, { "content-type": type }).end(body);
  };
  const path = url.split("?")[0];
  if (path === "/healthz") return reply(200, '{"status":"ok"}');
  if (path === "/readyz") {
    const ok = await options.ready().catch(() => false);
    return reply(ok ? 200 : 503, JSON.stringify({ status: ok ? "ready" : "not-ready" }));
  }
  if (path === "/metrics") {
    try {
      return reply(200, await options.registry.metrics(), options.registry.contentType);
    } catch (err) {
      return reply(500, JSON.stringify({ error: String(err) }));
    }
  }
  reply(404, '{"error":"not found"}');
}

/**
 * /healthz (the process is alive), /readyz (its dependencies answer) and
 * /metrics (Prometheus text). Readiness is a callback so each service decides
 * what "ready" means for it.
 */
export async function startOpsServer(options: {
  port: number;
  host: string;
  registry: Registry;
  ready: () => Promise<boolean>;
}): Promise<OpsServer> {
  const server = createServer((req, res) => {
    // A failure to answer (the client went away mid-reply) ends that response only.
    answer(req.url ?? "/", res, options).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
