import { groupConfigurationSchema } from "@macaque/shared";
import { isArchived, listHistory, readRecord, type HistoryBucket } from "@macaque/shared/history";
import type { HistoryReader } from "./assess-regression.ts";

/**
 * The group's history from the archive's index, read-only; and whether an
 * experiment is archived (handle-terminated.ts, for late events). It reads
 * `history.s3` at each call, so the S3 client is built at the first read.
 */
export function createHistoryReader(
  history: Pick<HistoryBucket, "s3" | "bucket">,
): HistoryReader & { isArchived(experimentId: string): Promise<boolean> } {
  const { bucket } = history;
  return {
    recoveredRuns: async (asg, mode, limit, except) =>
      (
        await listHistory(history.s3, bucket, {
          asg,
          limit,
          filter: (e) =>
            e.outcome === "recovered" &&
            e.mode === mode &&
            e.experimentId !== except &&
            e.timeToRecoverSeconds !== null,
        })
      ).entries,
    isArchived: (experimentId) => isArchived(history.s3, bucket, experimentId),
    groupConfiguration: async (experimentId) => {
      const record = await readRecord(history.s3, bucket, experimentId);
      const parsed = groupConfigurationSchema.safeParse(
        (record?.plan as { group?: unknown } | undefined)?.group,
      );
      return parsed.success ? parsed.data : undefined;
    },
  };
}
