export {
  encodeKeyPart,
  entryName,
  groupIndexPrefix,
  idPointerKey,
  indexKeys,
  localHistoryBucket,
  parseIndexKey,
  recordKey,
  type HistoryEntry,
} from "./keys.ts";
export {
  connectHistoryBucket,
  createS3Client,
  ensureHistoryBucket,
  isArchived,
  listHistory,
  readRecord,
  writeArchive,
  type ArchiveItem,
  type HistoryBucket,
  type HistoryPage,
  type HistoryQuery,
} from "./store.ts";
export {
  defaultRegressionRule,
  judgeRecoveryTime,
  median,
  percentile,
  type RegressionRule,
  type RegressionVerdict,
} from "./regression.ts";
export { describeChange, diffGroupConfiguration } from "./group-changes.ts";
export { createWriteOnceLog, writeOnceLogPrefix, type WriteOnceLog } from "./write-once-log.ts";
export { changesLine, plainSeconds, regressionLine } from "./wording.ts";
