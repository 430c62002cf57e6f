import { describeQuickSet } from "./faults/quick-set.ts";

describeQuickSet("the fault suite (quick set): a killed terminator, Redis restarted, SES down", [
  "terminatorKilled",
  "redisRestarted",
  "sesDown",
]);
