export {
  readyUrl,
  startProcess,
  type RunningProcess,
  type StartProcessOptions,
} from "./child-process.ts";
export { demoGroups } from "./demo-fleet.ts";
export {
  PortInUseError,
  ProcessStartError,
  RedisServerMissingError,
  type StandInPort,
} from "./errors.ts";
export { startRedisServer } from "./redis-server.ts";
export { startService, startServices, type ServiceOptions } from "./services.ts";
export {
  sandboxCredentials,
  sourceFile,
  startFauxqs,
  startStack,
  type Stack,
  type StackEndpoints,
  type StackOptions,
} from "./stack.ts";
export { demoLines } from "./describe-event.ts";
export { readInbox, type InboxEmail } from "./inbox.ts";
export { watchDeadLetters } from "./dead-letter-watch.ts";
