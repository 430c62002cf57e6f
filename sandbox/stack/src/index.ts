export {
  readyUrl,
  startProcess,
  type RunningProcess,
  type StartProcessOptions,
} from "./child-process.ts";
export { freePort, RedisServerMissingError, startRedisServer } from "./redis-server.ts";
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
