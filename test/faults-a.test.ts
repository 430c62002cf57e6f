import { describeQuickSet } from "./faults/quick-set.ts";

describeQuickSet(
  "the fault suite (quick set): duplicates, a killed monitor, hostile and poison input, a stalled bus",
  ["duplicates", "monitorKilledTwice", "hostile", "poison", "busStalled"],
);
