import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetSimControl, startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { awsClientConfig, createRateLimiter, limitCalls, type RateLimiter } from "@macaque/shared";
import {
  Ec2Error,
  configuredEc2Endpoint,
  createEc2Query,
  ec2Endpoint,
  type Ec2QueryOptions,
} from "@macaque/shared/ec2-query";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
let sim: FleetSim;
let control: ReturnType<typeof createFleetSimControl>;

beforeAll(async () => {
  sim = await startFleetSim({ port: 0, timeScale: 0.01 });
  control = createFleetSimControl(sim.url);
});
afterAll(() => sim?.close());

const queryWith = (options: Partial<Ec2QueryOptions> = {}) =>
  createEc2Query({
    region: "us-east-1",
    endpoint: sim.url,
    credentials: async () => credentials,
    ...options,
  });

/** Counts the slots taken, and holds each until `release()` when `hold` is set. */
function countingLimiter(hold = false) {
  let taken = 0;
  const waiting: (() => void)[] = [];
  const limiter: RateLimiter = {
    take: () => {
      taken++;
      return hold ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
  };
  return {
    limiter,
    taken: () => taken,
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

describe("the EC2 query client", () => {
  it("describes instances by filter with their state, AMI, type and tags", async () => {
    await control.createGroup({ name: "ec2q-describe", desiredCapacity: 3, bootSeconds: 0 });
    const ids = (await control.group("ec2q-describe")).instances.map((i) => i.instanceId);
    const found = await queryWith().describeInstances([
      { name: "instance-id", values: [...ids.slice(0, 2), "i-0123456789abcdef0"] },
    ]);
    expect(found.map((i) => i.instanceId).sort()).toEqual(ids.slice(0, 2).sort());
    for (const instance of found) {
      expect(instance.state).toMatch(/^(pending|running)$/);
      expect(instance.imageId).toMatch(/^ami-/);
      expect(instance.instanceType).toBeTruthy();
      expect(instance.tags["aws:autoscaling:groupName"]).toBe("ec2q-describe");
    }
  });

  it("terminates instances and returns the ids EC2 reports terminating", async () => {
    await control.createGroup({ name: "ec2q-terminate", desiredCapacity: 2, bootSeconds: 0 });
    const [victim] = (await control.group("ec2q-terminate")).instances.map((i) => i.instanceId);
    expect(await queryWith().terminateInstances([victim!])).toEqual([victim]);
  });

  it("throws EC2's error code as the error's name, with its status, without retrying it", async () => {
    await control.resetCounters();
    const err: unknown = await queryWith()
      .terminateInstances(["i-0fedcba9876543210"])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Ec2Error);
    expect(err).toMatchObject({
      name: expect.stringMatching(/^InvalidInstanceID/),
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    expect((await control.counters()).calls).toEqual({ TerminateInstances: 1 });
  });

  it("takes no slot for TerminateInstances: its caller took one before its last checks", async () => {
    await control.createGroup({ name: "ec2q-slot", desiredCapacity: 1, bootSeconds: 0 });
    const [victim] = (await control.group("ec2q-slot")).instances.map((i) => i.instanceId);
    const slots = countingLimiter();
    await queryWith({ limiter: slots.limiter }).terminateInstances([victim!]);
    expect(slots.taken()).toBe(0);
  });

  it("retries a throttled call, taking a slot of the limiter for each attempt", async () => {
    await control.setGlobalFaults({ throttleRate: 1 });
    const slots = countingLimiter();
    try {
      const err: unknown = await queryWith({
        limiter: slots.limiter,
        maxAttempts: 3,
        sleep: async () => undefined,
      })
        .describeInstances([{ name: "instance-id", values: ["i-1"] }])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "RequestLimitExceeded" });
    } finally {
      await control.setGlobalFaults({ throttleRate: 0 });
    }
    expect(slots.taken()).toBe(3);
  });

  it("names its service in the user agent, as the SDK clients do", async () => {
    await control.resetCounters();
    await queryWith({ appId: "macaque-test" }).describeInstances([
      { name: "instance-id", values: ["i-1"] },
    ]);
    expect((await control.counters()).byCaller).toEqual({
      "macaque-test": { DescribeInstances: 1 },
    });
  });

  it("takes its endpoint from the SDK's variables, as the SDK does", () => {
    expect(
      configuredEc2Endpoint({ AWS_ENDPOINT_URL: "http://a", AWS_ENDPOINT_URL_EC2: "http://b" }),
    ).toBe("http://b");
    expect(configuredEc2Endpoint({ AWS_ENDPOINT_URL: "http://a" })).toBe("http://a");
    expect(
      configuredEc2Endpoint({
        AWS_ENDPOINT_URL: "http://a",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      }),
    ).toBeUndefined();
    expect(ec2Endpoint("eu-west-1")).toBe("https://ec2.eu-west-1.amazonaws.com");
    expect(ec2Endpoint("cn-north-1")).toBe("https://ec2.cn-north-1.amazonaws.com.cn");
  });
});

describe("limitCalls", () => {
  it("holds each SDK request until the limiter gives it a slot", async () => {
    const client = new AutoScalingClient({
      ...awsClientConfig({ region: "us-east-1" }),
      endpoint: sim.url,
      credentials,
    });
    const slots = countingLimiter(true);
    limitCalls(client.middlewareStack, slots.limiter);
    await control.resetCounters();
    const call = client.send(new DescribeAutoScalingGroupsCommand({}));
    await expect.poll(() => slots.taken()).toBe(1);
    expect((await control.counters()).calls).toEqual({});
    slots.release();
    await call;
    expect((await control.counters()).calls).toEqual({ DescribeAutoScalingGroups: 1 });
    client.destroy();
  });

  it("leaves the commands named in except to their caller", async () => {
    const client = new AutoScalingClient({
      ...awsClientConfig({ region: "us-east-1" }),
      endpoint: sim.url,
      credentials,
    });
    const slots = countingLimiter();
    limitCalls(client.middlewareStack, slots.limiter, {
      except: ["DescribeAutoScalingGroupsCommand"],
    });
    await client.send(new DescribeAutoScalingGroupsCommand({}));
    expect(slots.taken()).toBe(0);
    await client.send(new DescribeAutoScalingInstancesCommand({}));
    expect(slots.taken()).toBe(1);
    client.destroy();
  });

  it("spaces real calls by the budget", async () => {
    let now = 0;
    const limiter = createRateLimiter({
      perSecond: 10,
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });
    const client = new AutoScalingClient({
      ...awsClientConfig({ region: "us-east-1" }),
      endpoint: sim.url,
      credentials,
    });
    limitCalls(client.middlewareStack, limiter);
    for (let i = 0; i < 3; i++) await client.send(new DescribeAutoScalingGroupsCommand({}));
    expect(now).toBe(200);
    client.destroy();
  });
});

describe("the EC2 query client against EC2's own answer shapes", () => {
  /** A one-route server that answers every request with `reply`, recording what it got. */
  async function serve(reply: (body: string) => { status: number; xml: string }) {
    const got: { headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        got.push({ headers: req.headers, body });
        const { status, xml } = reply(body);
        res.writeHead(status, { "content-type": "text/xml;charset=UTF-8" }).end(xml);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, got, close: () => new Promise((r) => server.close(r)) };
  }

  const page = (items: string, next = "") => `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <instancesSet>${items}</instancesSet>
    </item>
  </reservationSet>
  ${next ? `<nextToken>${next}</nextToken>` : ""}
</DescribeInstancesResponse>`;
  const instance = (id: string, tags: string) => `<item>
    <instanceId>${id}</instanceId>
    <imageId>ami-0abcdef1234567890</imageId>
    <instanceState><code>16</code><name>running</name></instanceState>
    <instanceType>t3.micro</instanceType>
    <tagSet>${tags}</tagSet>
  </item>`;

  it("signs a form-encoded POST, follows nextToken, and reads single and empty lists", async () => {
    const server = await serve((body) =>
      body.includes("NextToken=t2")
        ? { status: 200, xml: page(instance("i-0bbbbbbbbbbbbbbbb", "")) }
        : {
            status: 200,
            xml: page(
              instance("i-0aaaaaaaaaaaaaaaa", "<item><key>team</key><value>web</value></item>"),
              "t2",
            ),
          },
    );
    try {
      const found = await queryWith({ endpoint: server.url }).describeInstances([
        { name: "instance-id", values: ["i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"] },
      ]);
      expect(found).toEqual([
        {
          instanceId: "i-0aaaaaaaaaaaaaaaa",
          state: "running",
          imageId: "ami-0abcdef1234567890",
          instanceType: "t3.micro",
          tags: { team: "web" },
        },
        {
          instanceId: "i-0bbbbbbbbbbbbbbbb",
          state: "running",
          imageId: "ami-0abcdef1234567890",
          instanceType: "t3.micro",
          tags: {},
        },
      ]);
      const [first] = server.got;
      expect(first!.body).toContain("Action=DescribeInstances");
      expect(first!.body).toContain("Version=2016-11-15");
      expect(first!.body).toContain("Filter.1.Value.2=i-0bbbbbbbbbbbbbbbb");
      expect(first!.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/ec2\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      await server.close();
    }
  });

  it("reads EC2's error document: code, message and request id", async () => {
    const server = await serve(() => ({
      status: 400,
      xml: `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0aaaaaaaaaaaaaaaa' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`,
    }));
    try {
      const err: unknown = await queryWith({ endpoint: server.url })
        .terminateInstances(["i-0aaaaaaaaaaaaaaaa"])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        name: "InvalidInstanceID.NotFound",
        message: "The instance ID 'i-0aaaaaaaaaaaaaaaa' does not exist",
        $metadata: { httpStatusCode: 400, requestId: "ea966190-f9aa-478e-9ede-example" },
      });
    } finally {
      await server.close();
    }
  });
});
