// Moved to shared/ (the producer and the terminator batch their describes too).
export {
  createDescribeBatcher,
  type DescribeBatcher,
  type DescribeBatcherOptions,
} from "@macaque/shared";
