import type { HistoryBucket } from "./store.ts";
import { loadS3 } from "./s3-module.ts";

/**
 * Records kept where a Redis loss cannot reach them: one JSON object per
 * experiment id under a prefix of the history bucket, written once with S3's
 * conditional PutObject (`If-None-Match: *`), so the first record is the only one
 * even when two replicas race with Redis gone. The producer keeps its decisions
 * here (`decisions/`), the terminator its results (`results/`); each reads its
 * record on a Redis miss before it acts. Stores JSON text; the caller parses it
 * with the same schema as Redis's copy.
 */
export interface WriteOnceLog {
  read(experimentId: string): Promise<string | undefined>;
  /** Writes the record unless one is written already; resolves with the one kept. */
  writeOnce(experimentId: string, json: string): Promise<string>;
}

/** The history bucket's prefixes of the write-once logs (never archived experiments). */
export const writeOnceLogPrefix = { decisions: "decisions/", results: "results/" } as const;

/**
 * The log under `prefix` of `history`'s bucket. It reads `history.s3` at each
 * call, not here, so the S3 client is built at the first read or write.
 */
export function createWriteOnceLog(
  history: Pick<HistoryBucket, "s3" | "bucket">,
  prefix: string,
): WriteOnceLog {
  const { bucket } = history;
  const Key = (experimentId: string) => `${prefix}${experimentId}.json`;
  const read = async (experimentId: string) => {
    const { GetObjectCommand, NoSuchKey } = loadS3();
    try {
      const object = await history.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: Key(experimentId) }),
      );
      return await object.Body!.transformToString();
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  };
  return {
    read,
    async writeOnce(experimentId, json) {
      // Read first: a stand-in that ignores If-None-Match (fauxqs) still keeps the first.
      const existing = await read(experimentId);
      if (existing !== undefined) return existing;
      const { PutObjectCommand, S3ServiceException } = loadS3();
      try {
        await history.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: Key(experimentId),
            Body: json,
            ContentType: "application/json",
            IfNoneMatch: "*",
          }),
        );
        return json;
      } catch (err) {
        // 412: written meanwhile; 409: a concurrent conditional write is in progress (retry).
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 412) {
          const kept = await read(experimentId);
          if (kept !== undefined) return kept;
        }
        throw err;
      }
    },
  };
}
