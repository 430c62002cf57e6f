/**
 * One AWS query-protocol call: pick the service by `Version`, the action by `Action`,
 * count it, maybe throttle it, run it, and answer in that service's XML dialect.
 */
import type { Logger } from "pino";
import type { ApiService, Touched } from "./actions.ts";
import type { Counters } from "./counters.ts";
import { SimError } from "./errors.ts";
import type { Fleet } from "./fleet.ts";
import type { Ids } from "./ids.ts";
import { toTree } from "./query.ts";

export interface AwsReply {
  status: number;
  requestId: string;
  body: string;
}

export interface AwsHandlerDeps {
  /** By API version. The first one also answers calls with an unknown version. */
  services: ReadonlyMap<string, ApiService>;
  fleet: Fleet;
  counters: Counters;
  globalFaults: { throttleRate: number };
  random: () => number;
  ids: Ids;
  logger: Logger;
}

export function createAwsHandler(
  deps: AwsHandlerDeps,
): (params: Record<string, string>, caller?: string) => AwsReply {
  const { services, fleet, counters, globalFaults, random, ids, logger } = deps;
  const fallback = [...services.values()][0] as ApiService;

  const throttleRate = (touched: Touched): number => {
    const names = touched === "all" ? [...fleet.groups.keys()] : touched;
    const rates = names.map((name) => fleet.groups.get(name)?.faults.throttleRate ?? 0);
    return Math.max(globalFaults.throttleRate, ...rates);
  };

  return (params, caller) => {
    const requestId = ids.uuid();
    const version = params.Version ?? "";
    const action = params.Action ?? "";
    const service = services.get(version) ?? fallback;
    const fail = (err: SimError): AwsReply => ({
      status: err.status,
      requestId,
      body: service.error(err.code, err.message, requestId),
    });
    if (!services.has(version)) {
      const problem = version
        ? new SimError(
            "NoSuchVersion",
            `The requested version (${version}) of service is not supported.`,
          )
        : new SimError("MissingParameter", "The request must contain the parameter Version.");
      return fail(problem);
    }
    const definition = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
    if (!definition) {
      return fail(
        new SimError("InvalidAction", `The action ${action} is not valid for this web service.`),
      );
    }
    counters.call(action, caller);
    try {
      // A malformed call is refused before throttling is considered.
      const call = definition.parse(toTree(params));
      if (random() < throttleRate(call.touched)) {
        counters.throttle(action);
        const { code, message, status } = service.throttling;
        return fail(new SimError(code, message, { status }));
      }
      const body = service.respond(action, call.run(), requestId);
      return { status: 200, requestId, body };
    } catch (err) {
      if (err instanceof SimError) return fail(err);
      logger.error({ event: "fleet-sim.call-failed", action, err }, "API call failed");
      return fail(
        new SimError("InternalFailure", "The simulator failed to process the request.", {
          status: 500,
        }),
      );
    }
  };
}
