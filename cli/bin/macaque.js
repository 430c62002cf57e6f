#!/usr/bin/env node
// Runs the CLI from its TypeScript source, so `npx macaque` works right after
// `npm install` with no build step. Workspace packages (@macaque/*) export their
// sources under the "source" condition; a resolve hook adds that condition for
// them alone, in this same process, so signals and the terminal stay the CLI's own.
// On a Node older than package.json's engines.node, ensure-node.mjs (evaluated
// before anything below) runs this same command under the cached Node 24 instead.
import "../../scripts/ensure-node.mjs";
import { NODE_MISSING_EXIT_CODE } from "../../scripts/node-runtime.mjs";
import module from "node:module";
import process from "node:process";
import { URL } from "node:url";

if (typeof module.registerHooks !== "function" || !process.features.typescript) {
  process.stderr.write(
    `macaque: Node.js ${process.versions.node} cannot run TypeScript sources ` +
      "(is --no-experimental-strip-types set?)\n",
  );
  process.exit(NODE_MISSING_EXIT_CODE);
}
module.registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!specifier.startsWith("@macaque/")) return nextResolve(specifier, context);
    return nextResolve(specifier, { ...context, conditions: [...context.conditions, "source"] });
  },
});
await import(new URL("../src/main.ts", import.meta.url).href);
