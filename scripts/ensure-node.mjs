// Imported first by every development entry point (the npm scripts through
// `node --import ./scripts/ensure-node.mjs`, and cli/bin/macaque.js): on a Node
// older than package.json's engines.node it runs the same command under the
// cached Node 24 instead, so the entry point itself never starts on the old one.
import { fileURLToPath } from "node:url";
import { runUnderSupportedNode } from "./node-runtime.mjs";

await runUnderSupportedNode(fileURLToPath(import.meta.url));
