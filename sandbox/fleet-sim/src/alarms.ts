/**
 * CloudWatch alarms as the simulator keeps them: no metrics behind them, only a
 * state that the control endpoint sets (as SetAlarmState does in AWS), so a test
 * can fire an alarm at the moment it chooses.
 */
import type {
  AlarmFaultsRequest,
  AlarmStateRequest,
  AlarmStateValue,
  AlarmView,
  CreateAlarmRequest,
} from "./control-types.ts";
import { SimError } from "./errors.ts";

const ARN_PREFIX = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";

export interface Alarm {
  name: string;
  arn: string;
  type: "MetricAlarm" | "CompositeAlarm";
  state: AlarmStateValue;
  reason: string;
  /** Epoch ms of the last state change. */
  stateUpdatedAt: number;
  /** Epoch ms of creation (AlarmConfigurationUpdatedTimestamp). */
  configuredAt: number;
  unreadable: boolean;
}

export interface Alarms {
  create(request: CreateAlarmRequest): Alarm;
  setState(name: string, request: AlarmStateRequest): Alarm;
  setFaults(name: string, faults: AlarmFaultsRequest): Alarm;
  delete(name: string): void;
  reset(): void;
  /** Every alarm, by name. */
  list(): Alarm[];
}

const defaultReason = (state: AlarmStateValue): string =>
  `Alarm state set to ${state} by the fleet simulator`;

export function createAlarms(now: () => number): Alarms {
  const alarms = new Map<string, Alarm>();

  const require = (name: string): Alarm => {
    const alarm = alarms.get(name);
    if (!alarm) throw new SimError("NotFound", `no alarm named '${name}'`, { status: 404 });
    return alarm;
  };

  return {
    create(request) {
      if (alarms.has(request.name)) {
        throw new SimError("Conflict", `an alarm named '${request.name}' already exists`, {
          status: 409,
        });
      }
      const state = request.state ?? "OK";
      const at = now();
      const alarm: Alarm = {
        name: request.name,
        arn: `${ARN_PREFIX}${request.name}`,
        type: request.type ?? "MetricAlarm",
        state,
        reason: request.reason ?? defaultReason(state),
        stateUpdatedAt: at,
        configuredAt: at,
        unreadable: false,
      };
      alarms.set(alarm.name, alarm);
      return alarm;
    },
    setState(name, request) {
      const alarm = require(name);
      // As in CloudWatch: the timestamp moves only when the state changes.
      if (alarm.state !== request.state) alarm.stateUpdatedAt = now();
      alarm.state = request.state;
      alarm.reason = request.reason;
      return alarm;
    },
    setFaults(name, faults) {
      const alarm = require(name);
      if (faults.unreadable !== undefined) alarm.unreadable = faults.unreadable;
      return alarm;
    },
    delete(name) {
      require(name);
      alarms.delete(name);
    },
    reset: () => alarms.clear(),
    list: () => [...alarms.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export function alarmView(alarm: Alarm): AlarmView {
  return {
    name: alarm.name,
    arn: alarm.arn,
    type: alarm.type,
    state: alarm.state,
    reason: alarm.reason,
    stateUpdatedAt: new Date(alarm.stateUpdatedAt).toISOString(),
    faults: { unreadable: alarm.unreadable },
  };
}
