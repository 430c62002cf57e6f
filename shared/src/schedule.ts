/** Schedules (`@macaque/shared/schedule`): expressions, calendar, the draw, the job message's field. */
export {
  blackoutCovering,
  formatMinute,
  formatWindow,
  isCalendarDate,
  localTimeOf,
  parseBlackout,
  parseWindow,
  type Blackout,
  type DailyWindow,
  type LocalTime,
} from "./schedule-calendar.ts";
export {
  decideSlot,
  drawDay,
  normaliseSlot,
  scheduleRequestId,
  scheduleRequester,
  type Draw,
  type ScheduledRun,
  type SlotDecision,
} from "./schedule-draw.ts";
export {
  ScheduleExpressionError,
  fireTimes,
  isTimeZone,
  nextFireTime,
  parseScheduleExpression,
  type FireTimesOptions,
  type ScheduleExpression,
} from "./schedule-expression.ts";
export { scheduleNamePattern, scheduledRunSchema, scheduleRecordSchema } from "./scheduled-run.ts";
export { scheduleGroupName, schedulerRoleName } from "./names.ts";
