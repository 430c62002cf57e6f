export { QueueAlarms } from "./alarms.ts";
export { Cache, type CacheProps } from "./cache.ts";
export { MacaqueStack, type MacaqueStackProps } from "./macaque-stack.ts";
export { Messaging, type MacaqueQueue } from "./messaging.ts";
export { grantServiceAccess, serviceAccess, unscopableActions } from "./permissions.ts";
export { entryPoint, opsPort, serviceEnvironment } from "./service-environment.ts";
export {
  SettingsError,
  parseSettings,
  settingKeys,
  settingsSchema,
  type Settings,
} from "./settings.ts";
export { WorkerService, type WorkerServiceProps } from "./worker-service.ts";
