import { ServiceName } from "@macaque/shared";
import type { Settings } from "./settings.ts";

/** The port of each service's /healthz, /readyz and /metrics server. */
export const opsPort = 8080;

/** Where `tsc -b` puts each service's entry point inside the image. */
export const entryPoint = (service: ServiceName): string => `services/${service}/dist/main.js`;

/**
 * The environment of one service's container. The tests parse each with that
 * service's own config schema, so a name or value here that the service would
 * refuse fails the build, not the deployment.
 */
export function serviceEnvironment(
  service: ServiceName,
  settings: Settings,
  shared: { region: string; redisUrl: string; historyBucket?: string },
): Record<string, string> {
  const common = {
    AWS_REGION: shared.region,
    MACAQUE_NAME_PREFIX: settings.namePrefix,
    LOG_LEVEL: settings.logLevel,
    HTTP_PORT: String(opsPort),
    REDIS_URL: shared.redisUrl,
  };
  // The notifier never reads the controls; it learns of halts from their events.
  const control = { CONTROL_PARAMETER_PATH: settings.controlParameterPath };
  switch (service) {
    case ServiceName.producer:
      return {
        ...common,
        ...control,
        OPT_IN_TAG: settings.optInTag.text,
        EXCLUDE_TAG: settings.excludeTag.text,
        MAX_INSTANCES_PER_EXPERIMENT: String(settings.maxInstancesPerExperiment),
        MAX_PERCENT_OF_GROUP: String(settings.maxPercentOfGroup),
        MIN_IN_SERVICE_AFTER: String(settings.minInServiceAfter),
        ...history(shared),
        ...emailAllowList(settings),
        ...(settings.stopAlarms.length > 0 && { STOP_ALARMS: settings.stopAlarms.join(",") }),
      };
    case ServiceName.terminator:
      return { ...common, ...control, EXCLUDE_TAG: settings.excludeTag.text, ...history(shared) };
    case ServiceName.recoveryMonitor:
      // The stack routes AWS's fleet events to the monitor (fleet-events.ts).
      return { ...common, ...control, ...history(shared), DETECTION_MODE: "events" };
    case ServiceName.notifier:
      return {
        ...common,
        SENDER_EMAIL: settings.senderEmail,
        ...history(shared),
        ...emailAllowList(settings),
        ...(settings.defaultRecipients.length > 0 && {
          DEFAULT_RECIPIENTS: settings.defaultRecipients.join(","),
        }),
      };
  }
}

/** ALLOWED_EMAIL_DOMAINS: the producer refuses jobs naming others, the notifier never mails them. */
const emailAllowList = (settings: Settings): Record<string, string> =>
  settings.allowedEmailDomains.length > 0
    ? { ALLOWED_EMAIL_DOMAINS: settings.allowedEmailDomains.join(",") }
    : {};

/**
 * The archive: the notifier writes it, the monitor reads a group's history from it,
 * the producer keeps its decisions under `decisions/` in it, the terminator its results
 * under `results/`.
 */
const history = (shared: { historyBucket?: string }): Record<string, string> =>
  shared.historyBucket === undefined ? {} : { HISTORY_BUCKET: shared.historyBucket };
