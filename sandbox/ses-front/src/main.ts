/**
 * Child-process entry: SES_UPSTREAM_URL (aws-ses-v2-local's address, required)
 * and SES_FRONT_PORT (default 0, a free port). Prints one JSON line with its
 * address when listening; stops on SIGTERM or SIGINT.
 */
import { startSesFront } from "./server.ts";

const upstreamUrl = process.env.SES_UPSTREAM_URL ?? "";
const port = Number(process.env.SES_FRONT_PORT || "0");
const problems = [
  ...(/^http:\/\/[^/\s]+/.test(upstreamUrl) && URL.canParse(upstreamUrl)
    ? []
    : [
        `SES_UPSTREAM_URL: ${upstreamUrl ? `"${upstreamUrl}" is not an http:// URL` : "is required but not set"}`,
      ]),
  ...(Number.isInteger(port) && port >= 0 && port <= 65_535
    ? []
    : [`SES_FRONT_PORT: must be a port number 0-65535, not "${process.env.SES_FRONT_PORT}"`]),
];
if (problems.length > 0) {
  process.stderr.write(`ses-front: invalid configuration:\n  ${problems.join("\n  ")}\n`);
  process.exit(1);
}

const front = await startSesFront({ upstreamUrl, port });
process.stdout.write(`${JSON.stringify({ event: "ready", url: front.url })}\n`);
const stop = () => void front.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
