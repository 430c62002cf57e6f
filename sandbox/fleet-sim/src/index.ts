export { startFleetSim } from "./server.ts";
export type { FleetSim, FleetSimOptions } from "./server.ts";
export { createFleetSimControl } from "./control-client.ts";
export type { FleetSimControl } from "./control-client.ts";
export { FleetSimControlError } from "./errors.ts";
export type {
  AlarmFaultsRequest,
  AlarmStateRequest,
  AlarmStateValue,
  AlarmView,
  CreateAlarmRequest,
  CountersView,
  CreateGroupRequest,
  EventTargetRequest,
  FaultsView,
  GlobalFaultsRequest,
  GroupFaultsRequest,
  GroupView,
  InstanceView,
  RecoveryView,
  TargetGroupRequest,
  TargetGroupView,
  TargetView,
  TimelineEventView,
  TimelineView,
  TimingRequest,
} from "./control-types.ts";
