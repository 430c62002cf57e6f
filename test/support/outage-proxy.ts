import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of a stand-in that can be taken down and brought back:
 * while down it resets every connection (new and open), as an endpoint in an
 * outage does, so the real SDK client sees ECONNRESET and retries. For faults
 * in one service (S3) of a stand-in that serves several (fauxqs: SQS, SNS, S3).
 */
export interface OutageProxy {
  /** `http://127.0.0.1:<port>`: point the client (AWS_ENDPOINT_URL_S3) here. */
  url: string;
  down(): void;
  up(): void;
  /** Connections reset while down. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startOutageProxy(target: string): Promise<OutageProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let isDown = false;
  let refused = 0;
  const server = createServer((client) => {
    if (isDown) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    open.add(client);
    open.add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    down() {
      isDown = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    up() {
      isDown = false;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
