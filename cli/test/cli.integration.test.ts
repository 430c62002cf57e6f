import { AutoScalingClient, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { GetQueueAttributesCommand, ListQueueTagsCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SNSClient } from "@aws-sdk/client-sns";
import {
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  SESClient,
  VerifyEmailIdentityCommand,
} from "@aws-sdk/client-ses";
import {
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFleetSimControl, type CreateGroupRequest } from "@macaque/fleet-sim";
import { startStack, type Stack } from "@macaque/sandbox";
import {
  experimentIdFor,
  publishEvent,
  recoveryDefaults,
  type AnyCloudEvent,
} from "@macaque/shared";
import { listEnrolledRecipients } from "@macaque/shared/enrolled-recipients";
import { sandboxClient, snsAt, uniquePrefix } from "../../test/support/aws.ts";
import { waitUntil } from "../../test/support/wait.ts";
import { formatFlagDuration } from "../src/duration.ts";
import { experimentEvents } from "./fixtures.ts";
import {
  binFile,
  extraSubscriptions,
  leftoverQueues,
  runCli,
  stripAnsi,
  takeRequest,
} from "./support.ts";

/**
 * The CLI as a separate process against the sandbox stand-ins. The services are
 * not running: the test takes the job message off the requests queue and
 * publishes the experiment's events itself, which is all the CLI ever sees.
 */

let stack: Stack;
let env: Record<string, string>;
let sqs: SQSClient;
let sns: SNSClient;
let ses: SESClient;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("cli"), timeScale: 0.01 });
  env = stack.env;
  // Queue URLs name sqs.us-east-1.localhost, which this machine need not resolve.
  sqs = sandboxClient(SQSClient, stack.endpoints.sqs, { useQueueUrlAsEndpoint: false });
  sns = snsAt(stack.endpoints.sns);
  // The stack's SES endpoint is the identity front before aws-ses-v2-local.
  ses = sandboxClient(SESClient, stack.endpoints.ses);
});

afterAll(async () => {
  for (const client of [sqs, sns, ses]) client?.destroy();
  await stack?.stop();
});

const requestsUrl = () => stack.topology.queues.requests.url;
const publish = async (...events: AnyCloudEvent[]) => {
  for (const event of events) await publishEvent(sns, stack.topology.topics.events.arn, event);
};
const ownQueueArns = () => Object.values(stack.topology.queues).map((q) => q.arn);

/** Every test leaves the broker as it found it: no ephemeral queue, no extra subscription. */
afterEach(async () => {
  expect(await leftoverQueues(sqs, stack.prefix)).toEqual([]);
  expect(await extraSubscriptions(sns, stack.topology.topics.events.arn, ownQueueArns())).toEqual(
    [],
  );
});

describe("macaque run, following live", () => {
  it.each<[string, (e: ReturnType<typeof experimentEvents>) => AnyCloudEvent[], number, string]>([
    [
      "recovered",
      (e) => [e.planned, e.terminated, e.replacementSeen, e.healthy, e.recovered],
      0,
      "RECOVERED (web)",
    ],
    ["not recovered", (e) => [e.planned, e.terminated, e.notRecovered], 1, "NOT RECOVERED (web)"],
    ["rejected", (e) => [e.rejected], 2, "REJECTED (web)"],
    ["termination failed", (e) => [e.planned, e.terminationFailed], 2, "TERMINATION FAILED (web)"],
  ])("exits with the outcome: %s", async (_what, script, code, headline) => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], env);
    const { body, experimentId } = await takeRequest(sqs, requestsUrl());
    expect(body).toMatchObject({ asg: "web", count: 1, version: 1 });
    await publish(...script(experimentEvents(experimentId)));
    expect(await cli.exited).toBe(code);
    const out = cli.stdout();
    expect(out).toContain(headline);
    expect(out).toMatch(new RegExp(`\n  experiment +${experimentId}\n`));
    // Not a terminal: plain lines, no spinner.
    expect(out).not.toContain("\x1b");
  });

  it("shows each phase with elapsed time and the summary with time to recover", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes", "--target", "1m"], env);
    const { body, experimentId } = await takeRequest(sqs, requestsUrl());
    expect(body.recovery).toEqual({ targetSeconds: 60 });
    const e = experimentEvents(experimentId);
    await publish(
      e.planned,
      e.terminated,
      e.replacementSeen,
      e.allInService,
      e.healthy,
      e.recovered,
    );
    expect(await cli.exited).toBe(0);
    const lines = cli.stdout().split("\n");
    const phases = lines.map((l) => /^\s+\+[\d.]+s\s+(\S+)/.exec(l)?.[1]).filter(Boolean);
    expect(phases).toEqual([
      "planned",
      "victims",
      "terminated",
      "replacement",
      "InService",
      "healthy",
      "recovered",
    ]);
    expect(cli.stdout()).toContain("time to recover  4.2 s (± 1 s, 5 checks), verdict PASS");
    expect(cli.stdout()).toContain("replacements     i-0000000e");
  });

  it("ends a dry run once it is planned, exit 0", async () => {
    const cli = runCli(["run", "--asg", "web", "--percent", "50", "--dry-run"], env);
    const { body, experimentId } = await takeRequest(sqs, requestsUrl());
    expect(body).toMatchObject({ percent: 50, dryRun: true });
    await publish(experimentEvents(experimentId, { dryRun: true }).planned);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain("DRY RUN planned (web)");
  });

  it("prints one JSON event per line with --json, and nothing else on stdout", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes", "--json"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    const e = experimentEvents(experimentId);
    await publish(e.planned, e.terminated, e.recovered);
    expect(await cli.exited).toBe(0);
    const events = cli
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AnyCloudEvent);
    expect(events.map((x) => x.type)).toEqual([
      "macaque.experiment.planned",
      "macaque.instances.terminated",
      "macaque.recovery.completed",
    ]);
    expect(events.every((x) => x.subject === experimentId)).toBe(true);
    expect(cli.stderr()).toContain("RECOVERED (web)");
  });

  it("only sees its own experiment's events", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes", "--json"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    const other = experimentEvents(experimentIdFor("someone-else"));
    await publish(other.planned, other.rejected);
    const mine = experimentEvents(experimentId);
    await publish(mine.planned, mine.terminated, mine.recovered);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).not.toContain(other.experiment.id);
  });

  it("names and tags its queue so a leaked one is recognisable", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    const [queueUrl] = await leftoverQueues(sqs, stack.prefix);
    expect(queueUrl).toMatch(
      new RegExp(`/${stack.prefix}-cli-${experimentId.slice(4, 12)}-[0-9a-f]{6}$`),
    );
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl! }));
    expect(tags.Tags).toMatchObject({
      "macaque:ephemeral": "true",
      "macaque:experiment": experimentId,
    });
    await publish(experimentEvents(experimentId).rejected);
    expect(await cli.exited).toBe(2);
  });

  it("removes its queue and subscription on Ctrl-C and exits 130; the experiment goes on", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    await publish(experimentEvents(experimentId).planned);
    await cli.waitForOutput("victims");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    expect(cli.stdout()).toContain("STOPPED WATCHING (web); the experiment goes on");
    expect(cli.stdout()).toContain(`macaque watch ${experimentId}`);
  });

  it("stops quietly, exit 0, and removes its queue when its reader closes the pipe", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes", "--json"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    const [queueUrl] = await leftoverQueues(sqs, stack.prefix);
    expect(queueUrl).toBeDefined();
    const e = experimentEvents(experimentId);
    await publish(e.planned);
    await cli.waitForOutput("macaque.experiment.planned");
    // What `| head -1` does once it has its line.
    cli.child.stdout!.destroy();
    // The next line written meets the closed pipe.
    await publish(e.terminated);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).not.toMatch(/EPIPE|Error/);
    expect(await leftoverQueues(sqs, stack.prefix)).toEqual([]);
    expect(await extraSubscriptions(sns, stack.topology.topics.events.arn, ownQueueArns())).toEqual(
      [],
    );
  });

  it("gives up with exit 3 when nobody answers within --timeout", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes", "--timeout", "2s"], env);
    await takeRequest(sqs, requestsUrl());
    expect(await cli.exited).toBe(3);
    expect(cli.stdout()).toContain("NO ANSWER: gave up waiting for the plan (producer)");
  });

  it("exits 3 naming what is missing when the topology is not there", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      MACAQUE_NAME_PREFIX: "t-nothing-here",
    });
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toContain("topic t-nothing-here-events does not exist");
  });

  it("exits 2 without asking when there is no terminal and no count", async () => {
    const cli = runCli(["run", "--asg", "web"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain("give --count N or --percent P (no terminal to ask on)");
    await expectNoRequest();
  });

  it("exits 2 without terminating when there is no terminal to confirm on and no --yes", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(
      "not terminating without confirmation: no terminal to ask on (stdin and stdout must both be one); pass --yes",
    );
    await expectNoRequest();
  });

  it("exits 2 naming a bad environment variable", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      MAX_PERCENT_OF_GROUP: "0",
    });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain("MAX_PERCENT_OF_GROUP: must be 1-100");
  });
});

describe("where macaque points", () => {
  /** An AWS config file of the test's own, so the machine's ~/.aws never counts. */
  const awsConfigFile = async (text: string) => {
    const dir = await mkdtemp(join(tmpdir(), "macaque-aws-"));
    await writeFile(join(dir, "config"), text);
    return join(dir, "config");
  };

  it("names the account, region and endpoint before sending", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      // fauxqs answers STS GetCallerIdentity too.
      AWS_ENDPOINT_URL_STS: stack.endpoints.sqs,
    });
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    await publish(experimentEvents(experimentId).rejected);
    expect(await cli.exited).toBe(2);
    expect(cli.stdout()).toContain(
      `account 000000000000, region us-east-1, SQS endpoint ${new URL(stack.endpoints.sqs).origin}`,
    );
  });

  it("does not show stand-in credentials to AWS STS: the account is unknown", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], env);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    await publish(experimentEvents(experimentId).rejected);
    expect(await cli.exited).toBe(2);
    expect(cli.stdout()).toContain(
      "account unknown (the other endpoints are stand-ins; set AWS_ENDPOINT_URL_STS to ask one), region us-east-1",
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ["AWS_DEFAULT_REGION", { AWS_DEFAULT_REGION: "eu-west-1" }, "eu-west-1"],
    ["the profile's region", { AWS_PROFILE: "chaos" }, "ap-south-1"],
  ])("takes the region from %s, as the AWS CLI does", async (_what, vars, region) => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      AWS_REGION: "",
      // A named profile takes its credentials from the files, not the environment.
      AWS_CONFIG_FILE: await awsConfigFile(
        `[profile chaos]\nregion = ap-south-1\naws_access_key_id = ${env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${env.AWS_SECRET_ACCESS_KEY}\n`,
      ),
      ...vars,
    });
    // fauxqs keeps queues and topics per region, as AWS does: the sandbox's are in us-east-1.
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toMatch(
      new RegExp(
        `${stack.prefix}-\\w+ does not exist; provision the topology first \\(region ${region}\\)`,
      ),
    );
    await expectNoRequest();
  });

  it("exits 2 naming what to set when no region can be found", async () => {
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      AWS_REGION: "",
      AWS_CONFIG_FILE: await awsConfigFile(""),
    });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(
      "macaque: no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in the AWS profile (AWS_PROFILE)",
    );
    await expectNoRequest();
  });
});

describe("errors that name what to change", () => {
  it("names the service, the endpoint and its variables when the endpoint refuses, exit 3", async () => {
    const unreachable = "http://127.0.0.1:1";
    const cli = runCli(["recipients", "list"], {
      ...env,
      AWS_ENDPOINT_URL_SQS: unreachable,
      AWS_ENDPOINT_URL_SNS: unreachable,
    });
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toMatch(
      /^macaque: could not reach (SQS|SNS) at http:\/\/127\.0\.0\.1:1 \(AWS_ENDPOINT_URL_(SQS|SNS) \/ AWS_ENDPOINT_URL\): connection refused\n$/,
    );
  });

  it("says how to give credentials when there are none, exit 2 like any bad environment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "macaque-aws-"));
    const cli = runCli(["run", "--asg", "web", "--count", "1", "--yes"], {
      ...env,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      AWS_PROFILE: "",
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      // Not this machine's instance role, if it has one.
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
    });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(
      "set AWS_PROFILE (a profile in the AWS config files), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    expect(cli.stderr()).toMatch(/^macaque: no AWS credentials for (SQS|SNS):/);
    await expectNoRequest();
  });
});

describe("help", () => {
  it("states the recovery defaults the job message applies", async () => {
    const cli = runCli(["run", "--help"], env);
    expect(await cli.exited).toBe(0);
    const deadline = formatFlagDuration(recoveryDefaults.deadlineSeconds);
    const interval = formatFlagDuration(recoveryDefaults.checkIntervalSeconds);
    // Help text is wrapped to the terminal: read it as one line.
    const help = cli.stdout().replace(/\s+/g, " ");
    expect(help).toContain(
      `--deadline <duration> give up on recovery after this long (default ${deadline})`,
    );
    expect(help).toContain(
      `(default: the producer's DEFAULT_CHECK_INTERVAL_SECONDS, ${interval} unless set)`,
    );
  });
});

describe("macaque send", () => {
  it("refuses an invalid message with every reason, exit 2, and sends nothing", async () => {
    const cli = runCli(["send", "-"], env, { stdin: '{"asg":"web","count":0,"dryrun":true}' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain("invalid job message; nothing was sent");
    expect(cli.stderr()).toContain('unknown field "dryrun"');
    expect(cli.stderr()).toContain("count: must be at least 1");
    await expectNoRequest();
  });

  it("refuses a file that does not exist, exit 2", async () => {
    const cli = runCli(["send", "/nonexistent/job.json"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain("cannot read /nonexistent/job.json");
  });

  it("prints the experiment id at once with --no-wait, and the message is on the queue", async () => {
    const dir = await mkdtemp(join(tmpdir(), "macaque-cli-"));
    const file = join(dir, "job.json");
    await writeFile(file, JSON.stringify({ asg: "web", count: 1, requestId: "send-no-wait-1" }));
    const cli = runCli(["send", file, "--no-wait"], env);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toBe(`${experimentIdFor("send-no-wait-1")}\n`);
    const { body } = await takeRequest(sqs, requestsUrl());
    expect(body).toEqual({ asg: "web", count: 1, requestId: "send-no-wait-1" });
  });

  it("gives a message without requestId one, and follows it", async () => {
    const cli = runCli(["send", "-"], env, { stdin: '{"asg":"web","percent":10}' });
    const { body, experimentId } = await takeRequest(sqs, requestsUrl());
    expect(body.requestId).toMatch(/^cli-/);
    await publish(experimentEvents(experimentId).rejected);
    expect(await cli.exited).toBe(2);
    expect(cli.stdout()).toContain("REJECTED (web)");
  });

  it("prints ids as JSON with --no-wait --json", async () => {
    const cli = runCli(
      ["run", "--asg", "web", "--count", "1", "--yes", "--no-wait", "--json"],
      env,
    );
    expect(await cli.exited).toBe(0);
    const printed = JSON.parse(cli.stdout()) as {
      experimentId: string;
      requestId: string;
      messageId: string;
    };
    expect(printed.experimentId).toBe(experimentIdFor(printed.requestId));
    expect(printed.messageId).toBeTruthy();
    await takeRequest(sqs, requestsUrl());
  });
});

describe("macaque watch", () => {
  it("follows an experiment already running to its end", async () => {
    const id = experimentIdFor("watch-1");
    const cli = runCli(["watch", id], env);
    await cli.waitForOutput(`watching experiment ${id}`);
    const e = experimentEvents(id);
    await publish(e.terminated, e.notRecovered);
    expect(await cli.exited).toBe(1);
    expect(cli.stdout()).toContain("NOT RECOVERED (web)");
  });

  it("stamps each line on the experiment's clock, not the watcher's", async () => {
    const id = experimentIdFor("watch-clock");
    const e = experimentEvents(id);
    const plannedAt = Date.parse(e.experiment.plannedAt);
    const cli = runCli(["watch", id], env);
    await cli.waitForOutput(`watching experiment ${id}`);
    // Terminated 90 s into the experiment, though the watcher has only just begun.
    await publish(
      { ...e.terminated, time: new Date(plannedAt + 90_000).toISOString() },
      { ...e.recovered, time: new Date(plannedAt + 125_000).toISOString() },
    );
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/^ +\+1m 30s {2}terminated /m);
    expect(cli.stdout()).toMatch(/^ +\+2m 05s {2}recovered /m);
  });

  it("follows every experiment on a group with --asg, and only those, until Ctrl-C", async () => {
    const [mine, other] = [experimentIdFor("watch-asg-1"), experimentIdFor("watch-asg-2")];
    const a = experimentEvents(mine, { asg: "web-a" });
    const b = experimentEvents(other, { asg: "web-b" });
    const cli = runCli(["watch", "--asg", "web-a"], env);
    await cli.waitForOutput("watching experiments on web-a");
    await publish(b.planned, a.planned, b.terminated, a.terminated, a.recovered, a.reportSent);
    await cli.waitForOutput(`${mine}  web-a  RECOVERED (web-a)`);
    // report.sent names no group: shown because the experiment is one already seen.
    await cli.waitForOutput("report sent to");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    const out = cli.stdout();
    expect(out).toMatch(new RegExp(`^${mine}  web-a  \\+[\\d.]+s  planned `, "m"));
    expect(out).toMatch(new RegExp(`^${mine}  web-a  \\+[\\d.]+s  report `, "m"));
    expect(out).not.toContain(other);
    expect(out).toContain("stopped watching experiments on web-a; the experiments go on");
  });

  it("follows every experiment without an id or a group", async () => {
    const [first, second] = [experimentIdFor("watch-all-1"), experimentIdFor("watch-all-2")];
    const cli = runCli(["watch", "--json"], env);
    await cli.waitForOutput("watching every experiment");
    await publish(
      experimentEvents(first, { asg: "api" }).rejected,
      experimentEvents(second, { asg: "db" }).planned,
    );
    await cli.waitForOutput(second);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    const events = cli
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AnyCloudEvent);
    expect(events.map((x) => x.subject)).toEqual([first, second]);
  });

  it("refuses an id together with --asg, exit 2", async () => {
    const cli = runCli(["watch", experimentIdFor("x"), "--asg", "web"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain("give an experiment id or --asg NAME, not both");
  });

  it("refuses what is not an experiment id, exit 2", async () => {
    const cli = runCli(["watch", "web"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('"web" is not an experiment id');
  });
});

describe("macaque recipients", () => {
  const address = "ops-team@example.com";
  const sender = "macaque-sender@example.com";
  /** The notifier's variable too, as an operator's shell would carry it. */
  const withSender = () => ({ ...env, SENDER_EMAIL: sender });
  const reportsTopicArn = () => stack.topology.topics.reports.arn;
  const verify = (email: string) =>
    ses.send(new VerifyEmailIdentityCommand({ EmailAddress: email }));
  const identities = async () => (await ses.send(new ListIdentitiesCommand({}))).Identities ?? [];
  const endpoints = async () =>
    (
      await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: reportsTopicArn() }))
    ).Subscriptions?.map((s) => s.Endpoint);

  it("adds, lists and removes a recipient: SNS subscription and SES identity", async () => {
    const added = runCli(["recipients", "add", "Ops-Team@Example.com"], withSender());
    expect(await added.exited).toBe(0);
    expect(added.stdout()).toContain(address);

    const subs = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: reportsTopicArn() }),
    );
    expect(subs.Subscriptions).toContainEqual(
      expect.objectContaining({ Protocol: "email", Endpoint: address }),
    );
    const attrs = await ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: [address] }),
    );
    expect(attrs.VerificationAttributes?.[address]?.VerificationStatus).toBe("Success");
    // The record of what macaque enrolled, on the reports topic for an operator to see.
    const tags = await sns.send(new ListTagsForResourceCommand({ ResourceArn: reportsTopicArn() }));
    expect(tags.Tags).toContainEqual({
      Key: expect.stringMatching(/^macaque:ses-identity:/),
      Value: address,
    });

    const listed = runCli(["recipients", "list", "--json"], withSender());
    expect(await listed.exited).toBe(0);
    expect(JSON.parse(listed.stdout())).toContainEqual({
      address,
      // fauxqs, like SNS, waits for the address to confirm an email subscription.
      subscription: "pending confirmation",
      subscriptionArns: [expect.stringMatching(/^arn:aws:sns:/)],
      verification: "Success",
      identityByMacaque: true,
    });
    const table = runCli(["recipients", "list"], withSender());
    expect(await table.exited).toBe(0);
    expect(table.stdout()).toMatch(
      new RegExp(`${address}\\s+pending confirmation\\s+Success\\s+enrolled by macaque`),
    );

    const removed = runCli(["recipients", "remove", address], withSender());
    expect(await removed.exited).toBe(0);
    expect(removed.stdout()).toContain(`unsubscribed ${address}`);
    expect(removed.stdout()).toContain(`deleted the SES identity ${address}`);
    expect(await endpoints()).not.toContain(address);
    expect(await identities()).not.toContain(address);
    const after = await sns.send(
      new ListTagsForResourceCommand({ ResourceArn: reportsTopicArn() }),
    );
    expect(after.Tags?.map((t) => t.Value)).not.toContain(address);

    const again = runCli(["recipients", "remove", address], withSender());
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toContain(`${address} was not a recipient`);
  });

  it("lists exactly the addresses the notifier mails", async () => {
    const mailed = "mailed@example.com";
    const added = runCli(["recipients", "add", mailed], withSender());
    expect(await added.exited).toBe(0);
    // None of these is mailed: verified only, an email-json subscription, the
    // sender, and a subscriber SES has not verified.
    await verify("other-app@example.com");
    await sns.send(
      new SubscribeCommand({
        TopicArn: reportsTopicArn(),
        Protocol: "email-json",
        Endpoint: "robot@example.com",
      }),
    );
    await verify("robot@example.com");
    await sns.send(
      new SubscribeCommand({ TopicArn: reportsTopicArn(), Protocol: "email", Endpoint: sender }),
    );
    await verify(sender);
    await sns.send(
      new SubscribeCommand({
        TopicArn: reportsTopicArn(),
        Protocol: "email",
        Endpoint: "unverified@example.com",
      }),
    );

    const listed = runCli(["recipients", "list", "--json"], withSender());
    expect(await listed.exited).toBe(0);
    const addresses = (JSON.parse(listed.stdout()) as { address: string }[]).map((r) => r.address);
    const notifierMails = await listEnrolledRecipients({
      ses,
      sns,
      reportsTopicArn: reportsTopicArn(),
      senderEmail: sender,
    });
    expect(addresses).toEqual(notifierMails);
    expect(addresses).toContain(mailed);
    for (const never of ["other-app@example.com", "robot@example.com", sender]) {
      expect(addresses).not.toContain(never);
    }
    expect(addresses).not.toContain("unverified@example.com");

    expect(await runCli(["recipients", "remove", mailed], withSender()).exited).toBe(0);
  });

  it("refuses to remove or add the report sender, exit 2, and leaves its identity", async () => {
    await verify(sender);
    const cli = runCli(["recipients", "remove", sender.toUpperCase()], withSender());
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(
      `not removing ${sender}: it is the report sender (SENDER_EMAIL)`,
    );
    expect(cli.stderr()).toContain("would stop every report");
    expect(await identities()).toContain(sender);

    const subscribedBefore = (await endpoints())?.filter((e) => e === sender).length;
    const added = runCli(["recipients", "add", sender], withSender());
    expect(await added.exited).toBe(2);
    expect(added.stderr()).toContain(`not adding ${sender}: it is the report sender`);
    expect((await endpoints())?.filter((e) => e === sender).length).toBe(subscribedBefore);
  });

  it("removes only the subscription of an identity macaque did not enrol, and says why", async () => {
    const theirs = "verified-elsewhere@example.com";
    await verify(theirs);
    const added = runCli(["recipients", "add", theirs], withSender());
    expect(await added.exited).toBe(0);
    expect(added.stdout()).toContain(
      `${theirs} was already an SES identity, not enrolled by macaque`,
    );
    expect(await endpoints()).toContain(theirs);

    const removed = runCli(["recipients", "remove", theirs], withSender());
    expect(await removed.exited).toBe(0);
    expect(removed.stdout()).toContain(`unsubscribed ${theirs}`);
    expect(removed.stdout()).toContain(`kept the SES identity ${theirs}: macaque did not enrol it`);
    expect(await endpoints()).not.toContain(theirs);
    expect(await identities()).toContain(theirs);
  });

  it("refuses what is not an address, exit 2", async () => {
    const cli = runCli(["recipients", "add", "ops@"], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('"ops@" is not an email address');
  });
});

describe("through a real terminal", () => {
  const pty = (args: string[]) => {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, binFile, ...args].map(quote).join(" ");
    return runCli(
      [],
      { ...env, TERM: "xterm", COLUMNS: "160" },
      {
        command: "script",
        commandArgs: ["-qfec", command, "/dev/null"],
      },
    );
  };
  /** A group of its own, opted in and of four unless said otherwise, made warm: InService and Healthy at once. */
  const createGroup = async (
    label: string,
    request: Partial<Omit<CreateGroupRequest, "name">> = {},
  ): Promise<string> => {
    const name = `${label}-${randomBytes(3).toString("hex")}`;
    await createFleetSimControl(stack.endpoints.fleetSim).createGroup({
      name,
      desiredCapacity: 4,
      tags: { "macaque:enabled": "true" },
      ...request,
    });
    return name;
  };

  it("shows the group, asks how many, refuses too many, and follows the answer", async () => {
    const group = await createGroup("web");

    const cli = pty(["run", "--asg", group]);
    await cli.waitForOutput(
      new RegExp(
        `account unknown \\(.*\\), region us-east-1, Auto Scaling endpoint ${new URL(stack.endpoints.autoScaling).origin}`,
      ),
    );
    await cli.waitForOutput(`${group}: 4 InService (4 Healthy) of desired 4`);
    await cli.waitForOutput("the policy allows at most 2:");
    await cli.waitForOutput(`How many instances of ${group} to terminate? (1-2)`);
    cli.child.stdin!.write("5\r");
    // The question comes again after the verdict.
    await cli.waitForOutput("5 is more than the policy allows (at most 2)");
    cli.child.stdin!.write("\x7f2\r");
    await cli.waitForOutput(`to terminate: 2 of 4 instances of ${group}, chosen by the producer`);
    await cli.waitForOutput(`Terminate 2 of 4 instances of ${group} in unknown / us-east-1? [y/N]`);
    cli.child.stdin!.write("y\r");

    const { body, experimentId } = await takeRequest(sqs, requestsUrl());
    expect(body).toMatchObject({ asg: group, count: 2 });
    const e = experimentEvents(experimentId, { asg: group });
    await publish(e.planned);
    await cli.waitForOutput("victims");
    await publish(e.terminated, e.healthy, e.recovered);
    expect(await cli.exited).toBe(0);
    const screen = stripAnsi(cli.stdout());
    expect(screen).toContain(`RECOVERED (${group})`);
    // A terminal gets the spinner with the step it waits for.
    expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] [\d.]+s {2}waiting for/);
    cli.child.stdin!.end();
  });

  it.each<[string, Record<string, string>, CreateGroupRequest["suspendedProcesses"], string]>([
    ["not opted in", {}, [], "is not opted in: it does not carry the tag macaque:enabled=true"],
    [
      "Launch suspended",
      { "macaque:enabled": "true" },
      ["Launch"],
      "cannot heal itself: the process Launch is suspended",
    ],
  ])(
    "refuses a group the producer would refuse (%s) before asking, exit 2",
    async (_what, tags, suspendedProcesses, reason) => {
      const group = await createGroup("refused", { desiredCapacity: 2, tags, suspendedProcesses });
      const cli = pty(["run", "--asg", group]);
      expect(await cli.exited).toBe(2);
      const screen = stripAnsi(cli.stdout());
      expect(screen).toContain(`the producer would refuse any experiment on ${group} now`);
      expect(screen).toContain(`group ${group} ${reason}`);
      expect(screen).not.toContain("to terminate?");
      await expectNoRequest();
      cli.child.stdin!.end();
    },
  );

  it("refuses a group whose target group has unhealthy targets before asking, exit 2", async () => {
    const group = await createGroup("refused-tg", {
      desiredCapacity: 2,
      maxSize: 4,
      targetGroups: [
        { name: "refused-tg", healthCheckIntervalSeconds: 5, healthyThresholdCount: 2 },
      ],
    });
    const control = createFleetSimControl(stack.endpoints.fleetSim);
    await control.setFaults(group, { neverServing: true });
    const autoScaling = sandboxClient(AutoScalingClient, stack.endpoints.autoScaling);
    await autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: 3 }),
    );
    autoScaling.destroy();
    await waitUntil("a steady group with one target failing its health checks", async () => {
      const view = await control.group(group);
      const steady = view.instances.filter(
        (i) => i.lifecycleState === "InService" && i.healthStatus === "Healthy",
      ).length;
      const failing = view.targetGroups[0]!.targets.some((t) => t.state === "unhealthy");
      return steady === 3 && failing;
    });
    const cli = pty(["run", "--asg", group]);
    expect(await cli.exited).toBe(2);
    const screen = stripAnsi(cli.stdout());
    expect(screen).toContain(`the producer would refuse any experiment on ${group} now`);
    expect(screen).toMatch(
      new RegExp(
        `target group refused-tg has targets that are not healthy: i-[0-9a-f]+ \\(unhealthy`,
      ),
    );
    expect(screen).not.toContain("to terminate?");
    await expectNoRequest();
    cli.child.stdin!.end();
  });

  it("asks on a real Ctrl-C whether to abort; no stops watching, exit 130, and cleans up", async () => {
    const cli = pty(["run", "--asg", "web", "--count", "1", "--yes"]);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    await publish(experimentEvents(experimentId).planned);
    await cli.waitForOutput("(Ctrl-C asks whether to abort the experiment)");
    await cli.waitForOutput("victims");
    cli.child.stdin!.write("\x03");
    await cli.waitForOutput(`Abort experiment ${experimentId}? (no: stop watching`);
    cli.child.stdin!.write("n\r");
    expect(await cli.exited).toBe(130);
    expect(stripAnsi(cli.stdout())).toContain("STOPPED WATCHING (web)");
    const control = createFleetSimControl(stack.endpoints.fleetSim);
    expect((await control.ssmParameters()).map((p) => p.name)).not.toContain(
      `/macaque/aborts/${experimentId}`,
    );
    cli.child.stdin!.end();
  });

  it("aborts the experiment it follows when Ctrl-C is answered yes, and follows on", async () => {
    const cli = pty(["run", "--asg", "web", "--count", "1", "--yes"]);
    const { experimentId } = await takeRequest(sqs, requestsUrl());
    await publish(experimentEvents(experimentId).planned);
    await cli.waitForOutput("victims");
    cli.child.stdin!.write("\x03");
    await cli.waitForOutput(`Abort experiment ${experimentId}?`);
    cli.child.stdin!.write("y\r");
    await cli.waitForOutput("following it to its end (Ctrl-C stops watching)");
    const control = createFleetSimControl(stack.endpoints.fleetSim);
    const abort = (await control.ssmParameters()).find(
      (p) => p.name === `/macaque/aborts/${experimentId}`,
    );
    expect(JSON.parse(abort!.value)).toMatchObject({
      experimentId,
      reason: "interrupted from macaque run (Ctrl-C, answered yes)",
    });
    expect(stripAnsi(cli.stdout())).toContain(`experiment ${experimentId} was aborted (by `);
    // Asked once: the next Ctrl-C only stops watching.
    cli.child.stdin!.write("\x03");
    expect(await cli.exited).toBe(130);
    expect(stripAnsi(cli.stdout())).toContain("STOPPED WATCHING (web)");
    cli.child.stdin!.end();
  });

  it("asks to confirm a --count run, says the producer chooses, and sends on yes", async () => {
    const group = await createGroup("web-yes");
    const cli = pty(["run", "--asg", group, "--count", "2", "--mode", "asg", "--no-wait"]);
    await cli.waitForOutput(`${group}: 4 InService (4 Healthy) of desired 4`);
    await cli.waitForOutput("mode asg: TerminateInstanceInAutoScalingGroup");
    await cli.waitForOutput(`Terminate 2 of 4 instances of ${group} in unknown / us-east-1? [y/N]`);
    cli.child.stdin!.write("YES\r");
    const { body } = await takeRequest(sqs, requestsUrl());
    expect(body).toMatchObject({ asg: group, count: 2, mode: "asg" });
    expect(await cli.exited).toBe(0);
    cli.child.stdin!.end();
  });

  it.each<[string, string, number, string]>([
    ["n", "n\r", 2, "not terminating: the answer was not yes; nothing was sent"],
    ["an empty answer", "\r", 2, "not terminating: the answer was not yes; nothing was sent"],
    ["end of input", "\x04", 2, "not terminating: the answer was not yes; nothing was sent"],
    ["Ctrl-C", "\x03", 130, ""],
  ])("sends nothing when the confirmation is answered with %s", async (_what, keys, code, says) => {
    const group = await createGroup("web-no");
    const cli = pty(["run", "--asg", group, "--count", "1"]);
    await cli.waitForOutput("? [y/N]");
    cli.child.stdin!.write(keys);
    expect(await cli.exited).toBe(code);
    expect(stripAnsi(cli.stdout())).toContain(says);
    await expectNoRequest();
    cli.child.stdin!.end();
  });

  it("never asks to confirm a dry run", async () => {
    const cli = pty(["run", "--asg", "web", "--count", "1", "--dry-run", "--no-wait"]);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).not.toContain("[y/N]");
    const { body } = await takeRequest(sqs, requestsUrl());
    expect(body).toMatchObject({ dryRun: true });
    cli.child.stdin!.end();
  });

  it("Ctrl-C at the question sends nothing", async () => {
    const group = await createGroup("web-q");
    const cli = pty(["run", "--asg", group]);
    await cli.waitForOutput("to terminate?");
    cli.child.stdin!.write("\x03");
    expect(await cli.exited).toBe(130);
    await expectNoRequest();
    cli.child.stdin!.end();
  });
});

async function expectNoRequest(): Promise<void> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: requestsUrl(),
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  expect(attrs.Attributes).toMatchObject({
    ApproximateNumberOfMessages: "0",
    ApproximateNumberOfMessagesNotVisible: "0",
  });
}
