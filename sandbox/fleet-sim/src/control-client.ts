/** A typed client for the control endpoint, for tests and the sandbox. */
import type {
  AlarmFaultsRequest,
  AlarmStateRequest,
  AlarmView,
  CreateAlarmRequest,
  CountersView,
  CreateGroupRequest,
  EventTargetRequest,
  FaultsView,
  GlobalFaultsRequest,
  GroupFaultsRequest,
  GroupView,
  TimelineView,
  TimingRequest,
} from "./control-types.ts";
import { FleetSimControlError } from "./errors.ts";

export interface FleetSimControl {
  createGroup(request: CreateGroupRequest): Promise<GroupView>;
  group(name: string): Promise<GroupView>;
  deleteGroup(name: string): Promise<void>;
  setFaults(name: string, faults: GroupFaultsRequest): Promise<FaultsView>;
  setGlobalFaults(faults: GlobalFaultsRequest): Promise<GlobalFaultsRequest>;
  /** Simulated boot, healthy and health-check delays of the group's launches from now on. */
  setTiming(name: string, timing: TimingRequest): Promise<Required<TimingRequest>>;
  /** Sends AWS's launch, termination and EC2 state events there from now on. */
  setEventTarget(target: EventTargetRequest): Promise<EventTargetRequest>;
  counters(): Promise<CountersView>;
  resetCounters(): Promise<void>;
  timeline(name: string): Promise<TimelineView>;
  /** Removes every group and instance. */
  reset(): Promise<void>;
  /** A CloudWatch alarm that DescribeAlarms reports, in the state given (default OK). */
  createAlarm(request: CreateAlarmRequest): Promise<AlarmView>;
  /** Sets an alarm's state and reason, as SetAlarmState does: fires it, or clears it. */
  setAlarmState(name: string, request: AlarmStateRequest): Promise<AlarmView>;
  /** `unreadable`: DescribeAlarms answers Throttling for every call that would return it. */
  setAlarmFaults(name: string, faults: AlarmFaultsRequest): Promise<AlarmView>;
  alarm(name: string): Promise<AlarmView>;
  deleteAlarm(name: string): Promise<void>;
  /** The SSM stand-in's parameters. */
  ssmParameters(): Promise<Array<{ name: string; value: string; version: number }>>;
  /** Makes every SSM call fail (500 InternalServerError) while `unavailable`. */
  setSsmFault(fault: { unavailable: boolean }): Promise<void>;
}

/** `url` is the simulator's base URL (what startFleetSim returns). */
export function createFleetSimControl(url: string): FleetSimControl {
  const base = url.replace(/\/+$/, "");

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}/_sim/${path}`, {
      method,
      ...(body !== undefined && {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the raw text
      }
      throw new FleetSimControlError(
        `fleet simulator ${method} /_sim/${path} failed: ${message}`,
        response.status,
      );
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  const group = (name: string): string => `groups/${encodeURIComponent(name)}`;
  const alarm = (name: string): string => `alarms/${encodeURIComponent(name)}`;

  return {
    createGroup: (request) => call("POST", "groups", request),
    group: (name) => call("GET", group(name)),
    deleteGroup: (name) => call("DELETE", group(name)),
    setFaults: (name, faults) => call("PUT", `${group(name)}/faults`, faults),
    setGlobalFaults: (faults) => call("PUT", "faults", faults),
    setTiming: (name, timing) => call("PUT", `${group(name)}/timing`, timing),
    setEventTarget: (target) => call("PUT", "events", target),
    counters: () => call("GET", "counters"),
    resetCounters: () => call("DELETE", "counters"),
    timeline: (name) => call("GET", `${group(name)}/timeline`),
    reset: () => call("DELETE", "groups"),
    createAlarm: (request) => call("POST", "alarms", request),
    setAlarmState: (name, request) => call("PUT", `${alarm(name)}/state`, request),
    setAlarmFaults: (name, faults) => call("PUT", `${alarm(name)}/faults`, faults),
    alarm: (name) => call("GET", alarm(name)),
    deleteAlarm: (name) => call("DELETE", alarm(name)),
    ssmParameters: async () =>
      (
        await call<{ parameters: Array<{ name: string; value: string; version: number }> }>(
          "GET",
          "ssm/parameters",
        )
      ).parameters,
    setSsmFault: async (fault) => void (await call("PUT", "ssm/faults", fault)),
  };
}
