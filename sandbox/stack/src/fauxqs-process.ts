/**
 * Child-process entry for fauxqs (SQS + SNS). It listens on FAUXQS_PORT (0 picks
 * a free port) and prints one JSON line with its address once ready, so the
 * parent never has to guess a port.
 */
import { startFauxqs } from "fauxqs";

const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT ?? "0"), logger: false });
process.stdout.write(
  `${JSON.stringify({ event: "ready", url: `http://127.0.0.1:${server.port}` })}\n`,
);
const stop = () => void server.stop().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
