#!/usr/bin/env node
// Runs the CLI from its TypeScript source, so `npx macaque` works right after
// `npm install` with no build step. Workspace packages (@macaque/*) export their
// sources under the "source" condition; a resolve hook adds that condition for
// them alone, in this same process, so signals and the terminal stay the CLI's own.
// Node without synchronous hooks (before 22.15) gets a child process instead.
import { spawn } from "node:child_process";
import module from "node:module";
import { constants } from "node:os";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";

const entry = new URL("../src/main.ts", import.meta.url);

if (typeof module.registerHooks === "function" && process.features.typescript) {
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (!specifier.startsWith("@macaque/")) return nextResolve(specifier, context);
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, "source"] });
    },
  });
  await import(entry.href);
} else {
  const child = spawn(
    process.execPath,
    [
      "--experimental-strip-types",
      "--no-warnings",
      "--conditions=source",
      fileURLToPath(entry),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  // The terminal sends Ctrl-C to the child too; the child decides how to stop.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
