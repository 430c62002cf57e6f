/**
 * Child-process entry for fauxqs (SQS + SNS). It listens on 127.0.0.1 at
 * FAUXQS_PORT (0 picks a free port) and prints one JSON line with its address
 * once ready, so the parent never has to guess a port.
 *
 * fauxqs's `startFauxqs` always listens on 0.0.0.0 (its `host` option only names
 * queue URLs), which would put every queue of the sandbox on the network. Its
 * `buildApp` is the same server without the listen, so the sandbox listens on
 * loopback itself, like every other stand-in. (startFauxqs adds only
 * persistence, init files and message spies, none of which the sandbox uses.)
 */
import { buildApp } from "fauxqs";

const app = buildApp({ logger: false });
const address = await app.listen({
  host: "127.0.0.1",
  port: Number(process.env.FAUXQS_PORT ?? "0"),
});
process.stdout.write(`${JSON.stringify({ event: "ready", url: address })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
