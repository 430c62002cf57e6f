import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createS3Client,
  listHistory,
  readRecord,
  writeArchive,
  type HistoryEntry,
} from "@macaque/shared/history";
import { sandboxCredentials, startStack, type Stack } from "@macaque/sandbox";
import { uniquePrefix } from "./support/aws.ts";

/** The sandbox keeps the history bucket in its data directory (SANDBOX_DATA_DIR) across restarts. */

const dir = mkdtempSync(join(tmpdir(), "macaque-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const s3Of = (stack: Stack) =>
  createS3Client({
    region: stack.region,
    endpoint: stack.endpoints.s3,
    credentials: sandboxCredentials,
  });

describe("the sandbox's history", () => {
  it("survives a restart with the same data directory, and only then", async () => {
    const prefix = uniquePrefix("persist");
    const entry: HistoryEntry = {
      at: new Date().toISOString(),
      experimentId: "exp-persisted00000001",
      asg: "demo-web",
      outcome: "recovered",
      verdict: "pass",
      mode: "ec2",
      victims: 1,
      timeToRecoverSeconds: 3.5,
      precisionSeconds: 0.5,
      regression: false,
    };
    const first = await startStack({ prefix, dataDir: join(dir, "s3") });
    const s3 = s3Of(first);
    await writeArchive(s3, first.historyBucket, {
      entry,
      record: { experimentId: entry.experimentId },
    });
    s3.destroy();
    await first.stop();

    const again = await startStack({ prefix, dataDir: join(dir, "s3") });
    const s3Again = s3Of(again);
    try {
      expect(await readRecord(s3Again, again.historyBucket, entry.experimentId)).toEqual({
        experimentId: entry.experimentId,
      });
      expect(
        (await listHistory(s3Again, again.historyBucket, { asg: "demo-web" })).entries,
      ).toEqual([entry]);
    } finally {
      s3Again.destroy();
      await again.stop();
    }

    const inMemory = await startStack({ prefix });
    const s3Memory = s3Of(inMemory);
    try {
      expect(
        await readRecord(s3Memory, inMemory.historyBucket, entry.experimentId),
      ).toBeUndefined();
    } finally {
      s3Memory.destroy();
      await inMemory.stop();
    }
  }, 90_000);
});
