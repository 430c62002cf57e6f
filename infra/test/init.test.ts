import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFauxqs, type RunningProcess } from "@macaque/sandbox";
import { startSesFront, type SesFront } from "@macaque/ses-front";
import { resolveTopology } from "@macaque/shared";
import { createS3Client, ensureHistoryBucket } from "@macaque/shared/history";
import { snsAt, sqsAt, uniquePrefix } from "../../test/support/aws.ts";
import { repoPath } from "./support/repo.ts";

const run = promisify(execFile);

/**
 * deploy/init.ts is what `docker compose up` runs once before the services; here
 * it runs the same way, as its own process, against fauxqs (SQS + SNS) and the
 * sandbox's SES front (which answers VerifyEmailIdentity as LocalStack does).
 */
describe("the compose init (deploy/init.ts)", () => {
  let fauxqs: RunningProcess<string>;
  let ses: SesFront;

  beforeAll(async () => {
    [fauxqs, ses] = await Promise.all([
      startFauxqs(),
      // Identity actions are answered by the front itself; nothing is sent upstream.
      startSesFront({ upstreamUrl: "http://127.0.0.1:9" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([fauxqs?.stop(), ses?.close()]);
  });

  async function init(env: Record<string, string>) {
    const result = await run(
      process.execPath,
      ["--conditions=source", repoPath("deploy/init.ts")],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_ENDPOINT_URL_SQS: fauxqs.ready,
          AWS_ENDPOINT_URL_SNS: fauxqs.ready,
          AWS_ENDPOINT_URL_SES: ses.url,
          ...env,
        },
      },
    ).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    const events = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; changes?: string[] });
    return { ...result, events };
  }

  it("provisions the topology, verifies the sender, and changes nothing the second time", async () => {
    const prefix = uniquePrefix("init");
    const first = await init({ MACAQUE_NAME_PREFIX: prefix, SENDER_EMAIL: "chaos@example.com" });
    expect(first.code, first.stderr).toBe(0);
    expect(first.events.map((e) => e.event)).toEqual([
      "init.topology-ready",
      "init.sender-verified",
    ]);
    expect(first.events[0]?.changes?.length).toBeGreaterThan(0);

    const topology = await resolveTopology({
      sqs: sqsAt(fauxqs.ready),
      sns: snsAt(fauxqs.ready),
      prefix,
    });
    expect(topology.queues.requests.name).toBe(`${prefix}-requests`);
    expect(ses.identities.statuses(["chaos@example.com"]).get("chaos@example.com")).toBe("Success");

    const second = await init({ MACAQUE_NAME_PREFIX: prefix, SENDER_EMAIL: "chaos@example.com" });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events[0]).toMatchObject({ event: "init.topology-ready", changes: [] });
  });

  it("creates the history bucket in the stand-in's S3, once", async () => {
    const prefix = uniquePrefix("init");
    const env = {
      MACAQUE_NAME_PREFIX: prefix,
      SENDER_EMAIL: "chaos@example.com",
      HISTORY_BUCKET: `${prefix}-history`,
      AWS_ENDPOINT_URL_S3: fauxqs.ready,
    };
    const first = await init(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.events.at(-1)).toMatchObject({
      event: "init.history-bucket-ready",
      created: true,
    });
    const s3 = createS3Client({
      region: "us-east-1",
      endpoint: fauxqs.ready,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    await expect(ensureHistoryBucket(s3, `${prefix}-history`)).resolves.toBe(false);
    s3.destroy();
    const second = await init(env);
    expect(second.events.at(-1)).toMatchObject({ created: false });
  });

  it("stops before touching anything when the sender is missing", async () => {
    const { code, stderr, events } = await init({ MACAQUE_NAME_PREFIX: uniquePrefix("init") });
    expect(code).toBe(78);
    expect(stderr).toContain("SENDER_EMAIL: is required but not set");
    expect(events).toEqual([]);
  });
});
