import { Option, type Command } from "commander";
import { recoveryDefaults } from "@macaque/shared";
import type { CliDeps } from "./commands.ts";
import { formatFlagDuration } from "./duration.ts";
import type { ExitCode } from "./exit-codes.ts";
import {
  scheduleAddCommand,
  scheduleListCommand,
  schedulePreviewCommand,
  scheduleRemoveCommand,
  scheduleShowCommand,
  scheduleStateCommand,
} from "./schedules.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `macaque schedule …`, registered on the program by main.ts. */
export function addScheduleCommands(
  program: Command,
  deps: CliDeps,
  done: (code: ExitCode) => void,
): void {
  const schedule = program
    .command("schedule")
    .description("experiments on a schedule (EventBridge Scheduler), fixed or Chaos-Monkey random");
  schedule
    .command("add")
    .argument("<name>", "schedule name (1-64 letters, digits, . _ -)")
    .description("add a schedule whose every slot sends a job message to the request queue")
    .option("--cron <expression>", 'EventBridge cron, 6 fields: "0 10 ? * MON-FRI *"')
    .option("--rate <every>", "every 30m, 12h, 1d (or EventBridge's own: 1 day)")
    .option("--window <HH:MM-HH:MM>", "random mode: the daily window, e.g. 09:00-15:00")
    .option("--days <days>", "random mode: day-of-week field (default MON-FRI)")
    .option("--mean-days-between <n>", "random mode: a group is drawn 1 day in n on average")
    .option("--time-zone <zone>", "IANA time zone of the cron, window and blackouts (default UTC)")
    .option("--blackout <from..to>", "local dates on which nothing runs (repeatable)", collect)
    .option("--paused", "add it paused (resume starts it)")
    .option("--asg <name>", "target Auto Scaling group (or --tag)")
    .option(
      "--tag <key=value>",
      "every group carrying this tag, instead of --asg (repeatable: all of them)",
      collect,
    )
    .option("--count <n>", "instances to terminate at each run")
    .option("--percent <p>", "share of the eligible instances, rounded up")
    .addOption(
      new Option("--mode <mode>", "ec2: crash; asg: terminate via Auto Scaling").choices([
        "ec2",
        "asg",
      ]),
    )
    .option("--dry-run", "each run plans and reports without terminating")
    .option("--email <address...>", "also send each report to these addresses")
    .option(
      "--deadline <duration>",
      `give up on recovery after this long (default ${formatFlagDuration(recoveryDefaults.deadlineSeconds)})`,
    )
    .option("--check-interval <duration>", "how often the group is checked")
    .option("--target <duration>", "recovered within this is PASS, later FAIL")
    .option("--seed <seed>", "the schedule's seed (default random, recorded)")
    .option("--az <zone>", "choose victims only in this availability zone")
    .action(async (name: string, flags) => done(await scheduleAddCommand(deps, name, flags)));
  schedule
    .command("list")
    .description("each schedule with its next run")
    .option("--json", "as JSON")
    .action(async (flags) => done(await scheduleListCommand(deps, flags)));
  schedule
    .command("show")
    .argument("<name>")
    .description("a schedule's expression, blackouts, seed, job and next run")
    .option("--json", "as JSON")
    .action(async (name: string, flags) => done(await scheduleShowCommand(deps, name, flags)));
  schedule
    .command("remove")
    .argument("<name>")
    .description("delete the schedule")
    .action(async (name: string) => done(await scheduleRemoveCommand(deps, name)));
  schedule
    .command("pause")
    .argument("<name>")
    .description("stop firing until resumed")
    .action(async (name: string) => done(await scheduleStateCommand(deps, name, "DISABLED")));
  schedule
    .command("resume")
    .argument("<name>")
    .description("fire again from the next slot")
    .action(async (name: string) => done(await scheduleStateCommand(deps, name, "ENABLED")));
  schedule
    .command("preview")
    .argument("<name>")
    .description("when it would fire, and (random mode) which days it draws and why, for its seed")
    .option("--days <n>", "how many days ahead (default 30)")
    .option("--from <time>", "start here instead of now (ISO date or time)")
    .option("--json", "as JSON")
    .action(async (name: string, flags) => done(await schedulePreviewCommand(deps, name, flags)));
}
