/**
 * Child-process entry for aws-ses-v2-local (SES with a web inbox). Listens on
 * SES_PORT (0 picks a free port) and prints one JSON line with its address.
 * (The package is CommonJS: its function is the `default` of the module object.)
 */
import type { AddressInfo } from "node:net";
import sesLocal from "aws-ses-v2-local";

const server = await sesLocal.default({
  host: "127.0.0.1",
  port: Number(process.env.SES_PORT ?? "0"),
});
const { port } = server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ event: "ready", url: `http://127.0.0.1:${port}` })}\n`);
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
