import { Command, CommanderError, Option } from "commander";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { text } from "node:stream/consumers";
import {
  dlqListCommand,
  dlqRedriveCommand,
  abortCommand,
  haltCommand,
  resumeCommand,
  statusCommand,
  recipientsAddCommand,
  recipientsListCommand,
  recipientsRemoveCommand,
  runCommand,
  sendCommand,
  watchCommand,
  type CliDeps,
} from "./commands.ts";
import { recoveryDefaults } from "@macaque/shared";
import { historyCommand, showCommand, trendCommand } from "./history-commands.ts";
import { formatFlagDuration } from "./duration.ts";
import { InterruptedError, InvalidInputError, exitCodeOfError } from "./errors.ts";
import { ExitCode, exitCodeHelp } from "./exit-codes.ts";
import type { Terminal } from "./experiment.ts";
import { askNumber, askYesNo } from "./prompt.ts";
import { addScheduleCommands } from "./schedule-program.ts";

const environmentHelp = `Environment (the services' own variables):
  AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region (AWS_PROFILE)
  AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS, _SNS, _SES, _AUTO_SCALING, _SSM, _STS (the account shown)
  AWS_ENDPOINT_URL_SCHEDULER     EventBridge Scheduler (macaque schedule)
  MACAQUE_SCHEDULER_ROLE_ARN     the role schedules send with (default: <prefix>-scheduler)
  SENDER_EMAIL                   the notifier's sender: recipients never add or remove it
  MACAQUE_NAME_PREFIX            queue and topic names (default chaos)
  CONTROL_PARAMETER_PATH         SSM path of the kill switch and aborts (default /macaque)
  HISTORY_BUCKET, AWS_ENDPOINT_URL_S3
                                 the experiment archive (history, show, trend); against a
                                 stand-in the default is <prefix>-history
  MAX_INSTANCES_PER_EXPERIMENT, MAX_PERCENT_OF_GROUP, MIN_IN_SERVICE_AFTER, OPT_IN_TAG
                                 the producer's limits, shown when asking how many`;

const examples = `Examples:
  macaque run --asg web --count 2 --target 5m  # shows the group, asks to confirm
  macaque run --asg web                      # shows the group, asks how many, then to confirm
  macaque run --asg web --count 1 --yes      # no question: for scripts
  macaque run --asg web --percent 25 --dry-run --json | jq .type
  macaque send job.json --no-wait            # prints the experiment id
  macaque watch exp-1f3a9c0d2b4e6f80
  macaque watch --asg web                    # every experiment on web from now on
  macaque recipients add ops@example.com
  macaque halt --reason "incident 4711"      # stops all chaos in this account and region
  macaque status                             # the switch and the experiments in flight
  macaque abort exp-1f3a9c0d2b4e6f80 --reason "wrong group"
  macaque history --asg web --since 30d      # archived experiments, newest first
  macaque trend --asg web --html trend.html  # time to recover over time
  macaque schedule add weekday-web --asg web --count 1 --cron "0 10 ? * MON-FRI *" --time-zone Europe/Dublin
  macaque schedule add monkey-web --asg web --count 1 --window 09:00-15:00 --mean-days-between 5`;

/**
 * Standard output closed by its reader (`macaque run --json | head -1`): every
 * later write fails with EPIPE, emitted as an error that would otherwise crash
 * the CLI and leave its temporary queue behind.
 */
let outputClosed = false;
const outputClosedHandlers = new Set<() => void>();
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  if (outputClosed) return;
  outputClosed = true;
  outputClosedHandlers.forEach((handler) => handler());
});

const terminal: Terminal = {
  out: process.stdout,
  err: process.stderr,
  now: Date.now,
  onInterrupt(handler) {
    let count = 0;
    const listener = () => {
      if (++count > 1) {
        process.stderr.write("macaque: interrupted again; exiting without cleaning up\n");
        process.exit(ExitCode.interrupted);
      }
      handler();
    };
    process.on("SIGINT", listener);
    process.on("SIGTERM", listener);
    return () => {
      process.off("SIGINT", listener);
      process.off("SIGTERM", listener);
    };
  },
  askNumber: (message, check) =>
    askNumber({ input: process.stdin, output: process.stdout, message, check }),
  confirm: (message) => askYesNo({ input: process.stdin, output: process.stdout, message }),
  onOutputClosed(handler) {
    if (outputClosed) queueMicrotask(handler);
    else outputClosedHandlers.add(handler);
    return () => outputClosedHandlers.delete(handler);
  },
};

const deps: CliDeps = {
  env: process.env,
  terminal,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  readInput: (file) => (file === "-" ? text(process.stdin) : readFile(file, "utf8")),
  newRequestId: () => `cli-${randomUUID()}`,
  requestedBy: requester(),
};

let exitCode: number = ExitCode.recovered;
const done = (code: number) => void (exitCode = code);

const program = new Command("macaque")
  .description(
    "Chaos experiments on EC2 Auto Scaling groups: send a job, watch the group heal, get the verdict.",
  )
  .version(packageVersion())
  .showHelpAfterError("(macaque --help lists commands, options and exit codes)")
  .exitOverride()
  .addHelpText("after", `\n${exitCodeHelp}\n\n${environmentHelp}\n\n${examples}`);

const followOptions = (command: Command) =>
  command
    .option("--json", "one JSON event per line on stdout (notes and summary on stderr)")
    .option("--no-wait", "send, print the experiment id and exit 0")
    .option(
      "--timeout <duration>",
      "give up (exit 3) when the producer has not answered within this long (default 60s)",
    );

followOptions(
  program
    .command("run")
    .description("terminate instances of a group and follow its recovery live")
    .requiredOption("--asg <name>", "target Auto Scaling group")
    .option("--count <n>", "instances to terminate (asked when neither count nor percent is given)")
    .option("--percent <p>", "share of the eligible instances, rounded up")
    .addOption(
      new Option("--mode <mode>", "ec2: crash; asg: terminate via Auto Scaling").choices([
        "ec2",
        "asg",
      ]),
    )
    .option("--dry-run", "plan and report without terminating")
    .option(
      "--yes",
      "terminate without asking (needed without a terminal; a terminal is asked to confirm)",
    )
    .option("--email <address...>", "also send the report to these addresses")
    .option(
      "--deadline <duration>",
      `give up on recovery after this long (default ${formatFlagDuration(recoveryDefaults.deadlineSeconds)})`,
    )
    .option(
      "--check-interval <duration>",
      `how often the group is checked (default: the producer's DEFAULT_CHECK_INTERVAL_SECONDS, ${formatFlagDuration(recoveryDefaults.checkIntervalSeconds)} unless set)`,
    )
    .option("--target <duration>", "recovered within this is PASS, later FAIL")
    .option("--seed <seed>", "makes the victim choice reproducible")
    .option("--az <zone>", "choose victims only in this availability zone"),
).action(async (flags) => done(await runCommand(deps, flags)));

followOptions(
  program
    .command("send")
    .description("send a raw job message (JSON) from a file, or - for stdin, and follow it")
    .argument("<file>", "job message file, or - for standard input"),
).action(async (file: string, flags) => done(await sendCommand(deps, file, flags)));

program
  .command("watch")
  .description(
    "follow experiments from now on: one (by id), those on a group (--asg), or every one",
  )
  .argument("[experiment-id]", "as printed by run or send; ends with its outcome")
  .option("--asg <name>", "every experiment on this group from now on, until Ctrl-C")
  .option("--json", "one JSON event per line on stdout")
  .option(
    "--timeout <duration>",
    "with an id: give up (exit 3) when no event arrives within this long",
  )
  .action(async (id: string | undefined, flags) => done(await watchCommand(deps, id, flags)));

const recipients = program
  .command("recipients")
  .description("who gets the reports: SNS subscription to the reports topic + SES enrolment");
recipients
  .command("add")
  .argument("<address>")
  .description("subscribe an address to the reports topic and enrol it with SES")
  .action(async (address: string) => done(await recipientsAddCommand(deps, address)));
recipients
  .command("list")
  .option("--json", "as JSON")
  .description("each address with its subscription and SES verification state")
  .action(async (flags) => done(await recipientsListCommand(deps, flags)));
recipients
  .command("remove")
  .argument("<address>")
  .description("unsubscribe the address and delete its SES identity")
  .action(async (address: string) => done(await recipientsRemoveCommand(deps, address)));

const dlq = program
  .command("dlq")
  .description("messages the services gave up on, in each queue's dead-letter queue");
dlq
  .command("list")
  .option(
    "--queue <role>",
    "only this queue: requests, terminations, recovery, notifications, outcomes",
  )
  .option("--max <n>", "messages shown per queue (default 10)")
  .option("--json", "as JSON")
  .description("how many messages each dead-letter queue holds, and the first of them")
  .action(async (flags) => done(await dlqListCommand(deps, flags)));
dlq
  .command("redrive")
  .argument("[message-id...]", "only these messages (default: all)")
  .option("--queue <role>", "only this queue's dead-letter queue")
  .option("--include-poison", "move poison messages too (their queue cannot use them)")
  .option("--json", "as JSON")
  .description("move dead-lettered messages back to their queue, once the cause is fixed")
  .action(async (ids: string[], flags) => done(await dlqRedriveCommand(deps, ids, flags)));
program
  .command("halt")
  .description("kill switch: refuse every new request and every order not yet carried out")
  .requiredOption("--reason <text>", "why (shown in the refusals and the reports)")
  .action(async (flags) => done(await haltCommand(deps, flags)));
program
  .command("resume")
  .description("lift the kill switch: experiments may run again")
  .option("--reason <text>", "why")
  .action(async (flags) => done(await resumeCommand(deps, flags)));
program
  .command("status")
  .description("the kill switch (who set it, when, why) and the experiments in flight")
  .option("--json", "as JSON")
  .action(async (flags) => done(await statusCommand(deps, flags)));
program
  .command("abort")
  .description(
    "stop one experiment: its order is refused, or its monitoring ends at the next check",
  )
  .argument("<experiment-id>", "as printed by run, send or status")
  .requiredOption("--reason <text>", "why (shown in its report)")
  .action(async (id: string, flags) => done(await abortCommand(deps, id, flags)));
program
  .command("history")
  .description("archived experiments, newest first, from the history bucket's index")
  .option("--asg <name>", "only this group")
  .option("--since <period>", "started within this period (30d, 12h) or since a date")
  .option(
    "--outcome <outcome...>",
    "only these outcomes (recovered, not-recovered, rejected, dry-run, termination-failed, ...)",
  )
  .option("--limit <n>", "rows per page (default 20); the next page's command is printed on stderr")
  .option("--after <cursor>", "the page after this cursor (as printed)")
  .option("--json", "one JSON object per line")
  .action(async (flags) => done(await historyCommand(deps, flags)));
program
  .command("show")
  .description("an archived experiment's report, as e-mailed")
  .argument("<experiment-id>")
  .option("--html <file>", "write the HTML report to this file")
  .option("--json", "the whole archived record")
  .action(async (id: string, flags) => done(await showCommand(deps, id, flags)));
program
  .command("trend")
  .description("a group's time to recover over time: each run, rolling median and p95")
  .requiredOption("--asg <name>", "the group")
  .option("--since <period>", "started within this period (default 90d) or since a date")
  .addOption(new Option("--mode <mode>", "only this termination mode").choices(["ec2", "asg"]))
  .option("--html <file>", "also write a page with the chart (inline SVG)")
  .action(async (flags) => done(await trendCommand(deps, flags)));
addScheduleCommands(program, deps, done);

try {
  await program.parseAsync();
} catch (err) {
  exitCode = report(err);
}
process.exit(exitCode);

function report(err: unknown): number {
  // Commander has printed its own message; its usage errors are invalid input.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.rejected;
  if (err instanceof InterruptedError) return err.exitCode;
  const message = err instanceof Error ? err.message : String(err);
  const details = err instanceof InvalidInputError ? err.details : [];
  process.stderr.write(`macaque: ${message}\n${details.map((d) => `  - ${d}\n`).join("")}`);
  return exitCodeOfError(err);
}

function requester(): string | undefined {
  try {
    return `${userInfo().username}@${hostname()}`.slice(0, 256);
  } catch {
    return undefined;
  }
}

function packageVersion(): string {
  const file = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}
