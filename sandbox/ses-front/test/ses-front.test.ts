import {
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  SESClient,
  SendEmailCommand,
  VerifyEmailIdentityCommand,
} from "@aws-sdk/client-ses";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSesFront, type SesFront } from "../src/index.ts";

const sesLocalCli = createRequire(import.meta.url).resolve("aws-ses-v2-local/dist/cli.js");
const mainFile = new URL("../src/main.ts", import.meta.url).pathname;

/** aws-ses-v2-local as the sandbox runs it: its own process, on a free port. */
async function startSesLocal(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [sesLocalCli, "--host", "127.0.0.1", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`aws-ses-v2-local exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const port = /server running at http:\/\/[^:]+:(\d+)/.exec(line)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
  });
  return { url, child };
}

const sesClient = (endpoint: string) =>
  new SESClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    // aws-ses-v2-local never answers what it lacks; a test must fail, not hang.
    requestHandler: { requestTimeout: 5_000 },
  });

let upstream: { url: string; child: ChildProcess };
let front: SesFront;
let ses: SESClient;

beforeAll(async () => {
  upstream = await startSesLocal();
  front = await startSesFront({ upstreamUrl: upstream.url });
  ses = sesClient(front.url);
});

afterAll(async () => {
  ses?.destroy();
  await front?.close();
  upstream?.child.kill("SIGTERM");
});

describe("SES identities through the front", () => {
  it("verifies, lists, reports and deletes an email identity with the real SDK", async () => {
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: "ops@example.com" }));
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: "dev@example.org" }));

    const listed = await ses.send(new ListIdentitiesCommand({ IdentityType: "EmailAddress" }));
    expect(listed.Identities).toEqual(
      expect.arrayContaining(["ops@example.com", "dev@example.org"]),
    );

    const attrs = await ses.send(
      new GetIdentityVerificationAttributesCommand({
        Identities: ["ops@example.com", "nobody@example.com"],
      }),
    );
    // Verified at once in the sandbox; an unknown identity is left out, as SES does.
    expect(attrs.VerificationAttributes).toEqual({
      "ops@example.com": { VerificationStatus: "Success" },
    });

    await ses.send(new DeleteIdentityCommand({ Identity: "ops@example.com" }));
    const after = await ses.send(new ListIdentitiesCommand({}));
    expect(after.Identities).not.toContain("ops@example.com");
    expect(after.Identities).toContain("dev@example.org");
  });

  it("pages ListIdentities with MaxItems and NextToken", async () => {
    for (const n of [1, 2, 3]) {
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: `page${n}@example.com` }));
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ses.send(new ListIdentitiesCommand({ MaxItems: 2, NextToken: token }));
      seen.push(...(page.Identities ?? []));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(expect.arrayContaining(["page1@example.com", "page3@example.com"]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("answers an empty lookup with an empty map", async () => {
    const attrs = await ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: ["unknown@example.com"] }),
    );
    expect(attrs.VerificationAttributes).toEqual({});
  });

  it("reports a state set through the control endpoint", async () => {
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: "slow@example.com" }));
    const put = await fetch(`${front.url}/_ses-front/identities/slow%40example.com`, {
      method: "PUT",
      body: JSON.stringify({ verificationStatus: "Pending" }),
    });
    expect(put.status).toBe(204);
    const attrs = await ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: ["slow@example.com"] }),
    );
    expect(attrs.VerificationAttributes?.["slow@example.com"]?.VerificationStatus).toBe("Pending");
    const listing = (await (await fetch(`${front.url}/_ses-front/identities`)).json()) as {
      identities: { identity: string; verificationStatus: string }[];
    };
    expect(listing.identities).toContainEqual({
      identity: "slow@example.com",
      verificationStatus: "Pending",
    });
  });

  it("refuses a malformed address with an SES error the SDK understands", async () => {
    await expect(
      ses.send(new VerifyEmailIdentityCommand({ EmailAddress: "not-an-address" })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue", $metadata: { httpStatusCode: 400 } });
  });

  it("refuses an action aws-ses-v2-local lacks instead of letting it hang", async () => {
    const res = await fetch(front.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetSendQuota&Version=2010-12-01",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code>");
  });
});

describe("everything else goes to aws-ses-v2-local", () => {
  it("delivers SendEmail into aws-ses-v2-local's store", async () => {
    const subject = `through the front ${Date.now()}`;
    const sent = await ses.send(
      new SendEmailCommand({
        Source: "macaque@example.com",
        Destination: { ToAddresses: ["ops@example.com"] },
        Message: { Subject: { Data: subject }, Body: { Text: { Data: "hello" } } },
      }),
    );
    expect(sent.MessageId).toBeTruthy();
    const store = (await (await fetch(`${upstream.url}/store`)).json()) as {
      emails: { subject: string; messageId: string }[];
    };
    expect(store.emails).toContainEqual(
      expect.objectContaining({ subject, messageId: sent.MessageId }),
    );
  });

  it("streams other paths through, such as the inbox's store and health check", async () => {
    expect((await fetch(`${front.url}/health-check`)).status).toBe(200);
    const viaFront = (await (await fetch(`${front.url}/store`)).json()) as { emails: unknown[] };
    const direct = (await (await fetch(`${upstream.url}/store`)).json()) as { emails: unknown[] };
    expect(viaFront.emails).toEqual(direct.emails);
  });

  it("answers 502 naming the upstream when it is down", async () => {
    const orphan = await startSesFront({ upstreamUrl: "http://127.0.0.1:9" });
    try {
      const res = await fetch(`${orphan.url}/health-check`);
      expect(res.status).toBe(502);
      expect(await res.text()).toContain("http://127.0.0.1:9");
    } finally {
      await orphan.close();
    }
  });
});

describe("the child-process entry", () => {
  it("prints its ready line, serves, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [mainFile], {
      env: { ...process.env, SES_UPSTREAM_URL: upstream.url, SES_FRONT_PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const url = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout! }).once("line", (line) => {
        const ready = JSON.parse(line) as { event: string; url: string };
        expect(ready.event).toBe("ready");
        resolve(ready.url);
      });
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/health-check`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("exits 1 naming SES_UPSTREAM_URL when it is missing or not a URL", async () => {
    for (const value of [undefined, "localhost:8005"]) {
      const env: Record<string, string | undefined> = { ...process.env, SES_UPSTREAM_URL: value };
      if (value === undefined) delete env.SES_UPSTREAM_URL;
      const child = spawn(process.execPath, [mainFile], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(stderr).toContain("SES_UPSTREAM_URL");
    }
  });
});
