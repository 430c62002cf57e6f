import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { createFleetSimControl, startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let sim: FleetSim;
let ssm: SSMClient;

beforeAll(async () => {
  sim = await startFleetSim({ port: 0 });
  ssm = new SSMClient({
    region: "eu-west-1",
    endpoint: sim.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  ssm.destroy();
  await sim.close();
});

describe("the fleet simulator's SSM Parameter Store", () => {
  it("stores, versions, reads and deletes a parameter through the unmodified SDK", async () => {
    const put = await ssm.send(
      new PutParameterCommand({ Name: "/t1/halt", Value: '{"a":1}', Type: "String" }),
    );
    expect(put).toMatchObject({ Version: 1, Tier: "Standard" });
    await expect(
      ssm.send(new PutParameterCommand({ Name: "/t1/halt", Value: "x", Type: "String" })),
    ).rejects.toBeInstanceOf(ParameterAlreadyExists);
    const again = await ssm.send(
      new PutParameterCommand({ Name: "/t1/halt", Value: '{"a":2}', Overwrite: true }),
    );
    expect(again.Version).toBe(2);
    const got = await ssm.send(new GetParameterCommand({ Name: "/t1/halt" }));
    expect(got.Parameter).toMatchObject({
      Name: "/t1/halt",
      Value: '{"a":2}',
      Type: "String",
      Version: 2,
      ARN: "arn:aws:ssm:eu-west-1:000000000000:parameter/t1/halt",
    });
    expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    await ssm.send(new DeleteParameterCommand({ Name: "/t1/halt" }));
    await expect(ssm.send(new GetParameterCommand({ Name: "/t1/halt" }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    await expect(ssm.send(new DeleteParameterCommand({ Name: "/t1/halt" }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it("answers GetParameters with the missing names as InvalidParameters", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/t2/a", Value: "1", Type: "String" }));
    const out = await ssm.send(new GetParametersCommand({ Names: ["/t2/a", "/t2/b"] }));
    expect(out.Parameters?.map((p) => p.Name)).toEqual(["/t2/a"]);
    expect(out.InvalidParameters).toEqual(["/t2/b"]);
  });

  it("pages GetParametersByPath ten at a time, children only unless recursive", async () => {
    for (let i = 0; i < 13; i++) {
      await ssm.send(
        new PutParameterCommand({ Name: `/t3/aborts/exp-${i}`, Value: String(i), Type: "String" }),
      );
    }
    await ssm.send(
      new PutParameterCommand({ Name: "/t3/aborts/deep/x", Value: "d", Type: "String" }),
    );
    const first = await ssm.send(new GetParametersByPathCommand({ Path: "/t3/aborts" }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
    const second = await ssm.send(
      new GetParametersByPathCommand({ Path: "/t3/aborts", NextToken: first.NextToken }),
    );
    expect(second.Parameters).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
    const recursive = await ssm.send(
      new GetParametersByPathCommand({ Path: "/t3/aborts", Recursive: true, MaxResults: 10 }),
    );
    const names = [...(recursive.Parameters ?? [])].map((p) => p.Name);
    expect(names).toContain("/t3/aborts/deep/x");
  });

  it("refuses a malformed call with ValidationException and an unknown action by name", async () => {
    await expect(
      ssm.send(new GetParametersByPathCommand({ Path: "no-slash" })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    const response = await fetch(sim.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AmazonSSM.LabelParameterVersion",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: "UnknownOperationException" });
  });

  it("fails every call while its unavailable fault is on, and lists what it stores", async () => {
    const control = createFleetSimControl(sim.url);
    await ssm.send(new PutParameterCommand({ Name: "/t5/x", Value: "v", Type: "String" }));
    await control.setSsmFault({ unavailable: true });
    await expect(ssm.send(new GetParameterCommand({ Name: "/t5/x" }))).rejects.toMatchObject({
      name: "InternalServerError",
      $metadata: { httpStatusCode: 500 },
    });
    await control.setSsmFault({ unavailable: false });
    expect(await control.ssmParameters()).toContainEqual({ name: "/t5/x", value: "v", version: 1 });
  });
});
