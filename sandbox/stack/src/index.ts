export {
  readyUrl,
  startProcess,
  type RunningProcess,
  type StartProcessOptions,
} from "./child-process.ts";
export { demoGroups, seedDemoFleet } from "./demo-fleet.ts";
export { freePort, RedisServerMissingError, startRedisServer } from "./redis-server.ts";
export {
  serviceEnv,
  serviceNames,
  startService,
  startServices,
  type ServiceName,
  type ServiceOptions,
} from "./services.ts";
export {
  sandboxCredentials,
  sourceFile,
  stackEnv,
  startFauxqs,
  startStack,
  type Stack,
  type StackEndpoints,
  type StackOptions,
} from "./stack.ts";
export { describeEvent } from "./describe-event.ts";
export { readInbox, type InboxEmail } from "./inbox.ts";
