import { z } from "zod";
import { isCalendarDate, parseWindow } from "./schedule-calendar.ts";
import { isTimeZone } from "./schedule-expression.ts";

/**
 * The job message's `schedule` field: set by `macaque schedule add` in the
 * schedule's target input, with `slot` filled in by EventBridge Scheduler
 * (`<aws.scheduler.scheduled-time>`) each time it fires. It carries everything the
 * producer needs to decide the slot, so a schedule's rules live in one place: the
 * schedule itself.
 */

/** EventBridge Scheduler's rule for a schedule name. */
export const scheduleNamePattern = /^[0-9a-zA-Z._-]{1,64}$/;

const date = z.string().refine(isCalendarDate, "must be a calendar date (YYYY-MM-DD)");

export const scheduledRunSchema = z
  .strictObject({
    name: z
      .string()
      .regex(scheduleNamePattern, "must be 1-64 letters, digits or . _ -")
      .describe("The schedule's name."),
    slot: z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/,
        "must be a UTC time such as 2026-12-07T10:00:00Z (EventBridge's <aws.scheduler.scheduled-time>)",
      )
      .describe("The slot this run is for, as EventBridge Scheduler fills it in."),
    timeZone: z
      .string()
      .refine(isTimeZone, "must be an IANA time zone such as Europe/Dublin")
      .default("UTC")
      .describe("The schedule's time zone: its blackouts and window are local to it."),
    seed: z.string().min(1).max(64).describe("Seeds the draw and the victims, with the slot."),
    blackouts: z
      .array(
        z
          .strictObject({ from: date, to: date })
          .refine((b) => b.from <= b.to, "must not end before it starts"),
      )
      .max(50, "lists more than 50 blackouts")
      .default([])
      .describe("Local date ranges (inclusive) on which the schedule runs nothing."),
    random: z
      .strictObject({
        window: z.string().refine((text) => {
          try {
            parseWindow(text);
            return true;
          } catch {
            return false;
          }
        }, "must be HH:MM-HH:MM, ending after it starts"),
        meanDaysBetween: z.number().min(1, "must be at least 1").max(365, "must be at most 365"),
      })
      .optional()
      .describe("Random mode: drawn with probability 1/meanDaysBetween a day, at a random minute."),
  })
  .describe("Set by a schedule: which schedule and slot this job message is for.");

/** What a plan records of the schedule that asked for it: enough to replay "why this group, why now". */
export const scheduleRecordSchema = z.object({
  name: z.string(),
  slot: z.string(),
  timeZone: z.string(),
  seed: z.string(),
  draw: z
    .object({
      date: z.string(),
      roll: z.number(),
      probability: z.number(),
      drawn: z.boolean(),
      at: z.string(),
    })
    .optional(),
});
