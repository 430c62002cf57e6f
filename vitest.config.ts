import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    include: ["**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    // Most files wait on child processes (the stand-ins and the services), not on
    // the CPU: three at a time finish the suite in about two thirds of the time
    // that vitest's default (one worker per core but one) takes on 2 cores.
    maxWorkers: 3,
    hookTimeout: 60_000,
  },
});
