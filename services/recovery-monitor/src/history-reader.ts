import type { S3Client } from "@aws-sdk/client-s3";
import { groupConfigurationSchema } from "@macaque/shared";
import { isArchived, listHistory, readRecord } from "@macaque/shared/history";
import type { HistoryReader } from "./assess-regression.ts";

/**
 * The group's history from the archive's index, read-only; and whether an
 * experiment is archived (handle-terminated.ts, for late events).
 */
export function createHistoryReader(
  s3: S3Client,
  bucket: string,
): HistoryReader & { isArchived(experimentId: string): Promise<boolean> } {
  return {
    recoveredRuns: async (asg, mode, limit, except) =>
      (
        await listHistory(s3, bucket, {
          asg,
          limit,
          filter: (e) =>
            e.outcome === "recovered" &&
            e.mode === mode &&
            e.experimentId !== except &&
            e.timeToRecoverSeconds !== null,
        })
      ).entries,
    isArchived: (experimentId) => isArchived(s3, bucket, experimentId),
    groupConfiguration: async (experimentId) => {
      const record = await readRecord(s3, bucket, experimentId);
      const parsed = groupConfigurationSchema.safeParse(
        (record?.plan as { group?: unknown } | undefined)?.group,
      );
      return parsed.success ? parsed.data : undefined;
    },
  };
}
