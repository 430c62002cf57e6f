import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
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
    const reply = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type }).end(body);
    };
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return reply(200, '{"status":"ok"}');
    if (path === "/readyz") {
      options
        .ready()
        .catch(() => false)
        .then((ok) =>
          reply(ok ? 200 : 503, JSON.stringify({ status: ok ? "ready" : "not-ready" })),
        );
      return;
    }
    if (path === "/metrics") {
      options.registry
        .metrics()
        .then((text) => reply(200, text, options.registry.contentType))
        .catch((err: unknown) => reply(500, JSON.stringify({ error: String(err) })));
      return;
    }
    reply(404, '{"error":"not found"}');
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
