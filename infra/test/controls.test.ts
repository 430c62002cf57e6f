import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceNames, type ServiceName } from "@macaque/shared";
import {
  actionsOf,
  ofType,
  referencedIds,
  statementsByRole,
  synthesise,
  tasksByService,
  testEnv,
  type Resource,
  type Statement,
} from "./support/template.ts";
import { resolveValue } from "./support/intrinsics.ts";

/**
 * The kill switch and the aborts in Parameter Store: who may read them, who may
 * set them. Written out independently of the stack's own code.
 */
const arn = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`;

const expectedSsm: Record<ServiceName, Record<string, string[]>> = {
  producer: {
    "ssm:GetParameter": [arn("/macaque/halt")],
    "ssm:PutParameter": [arn("/macaque/experiments/*")],
    "ssm:DeleteParameter": [arn("/macaque/experiments/*")],
  },
  terminator: { "ssm:GetParameters": [arn("/macaque/halt"), arn("/macaque/aborts/*")] },
  "recovery-monitor": { "ssm:GetParametersByPath": [arn("/macaque/aborts")] },
  notifier: {},
};

function ssmGrants(statements: Statement[]): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const s of statements) {
    if (!actionsOf(s).some((a) => a.startsWith("ssm:"))) continue;
    const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) =>
      resolveValue(r, { ...testEnv, types: {} }),
    );
    for (const action of actionsOf(s).filter((a) => a.startsWith("ssm:"))) {
      grants[action] = [...(grants[action] ?? []), ...resources].sort();
    }
  }
  return grants;
}

describe("the macaque stack's controls", () => {
  let template: Template;
  let resources: Record<string, Resource>;
  beforeAll(() => {
    ({ template, resources } = synthesise({
      senderEmail: "chaos@example.com",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/macaque:test",
    }));
  });

  it("creates the kill switch off, as a String parameter under /macaque", () => {
    const switches = ofType(resources, "AWS::SSM::Parameter");
    expect(switches).toHaveLength(1);
    const props = switches[0]![1].Properties;
    expect(props.Name).toBe("/macaque/halt");
    expect(props.Type).toBe("String");
    expect(JSON.parse(String(props.Value))).toMatchObject({ halted: false });
  });

  it.each(serviceNames)("lets %s read or write only its own part of the controls", (service) => {
    const byRole = statementsByRole(resources);
    const role = tasksByService(resources).get(service)!.taskRole;
    const grants = ssmGrants(byRole.get(role) ?? []);
    const expected = Object.fromEntries(
      Object.entries(expectedSsm[service]).map(([a, r]) => [a, [...r].sort()]),
    );
    expect(grants).toEqual(expected);
  });

  it("tells the services that read the controls where they are", () => {
    const tasks = tasksByService(resources);
    for (const service of serviceNames) {
      const env = Object.fromEntries(
        tasks.get(service)!.container.Environment.map((e) => [e.Name, e.Value]),
      );
      if (service === "notifier") expect(env.CONTROL_PARAMETER_PATH).toBeUndefined();
      else expect(env.CONTROL_PARAMETER_PATH).toBe("/macaque");
    }
  });

  it("lets only the operator policy set the switch and the aborts, and that policy terminates nothing", () => {
    const byRole = statementsByRole(resources);
    for (const statements of byRole.values()) {
      const writes = ssmGrants(statements)["ssm:PutParameter"] ?? [];
      expect(writes.filter((r) => r.includes("/halt") || r.includes("/aborts"))).toEqual([]);
    }
    const policies = ofType(resources, "AWS::IAM::ManagedPolicy");
    expect(policies).toHaveLength(1);
    const [id, policy] = policies[0]!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const grants = ssmGrants(statements);
    expect(grants["ssm:PutParameter"]).toEqual(
      [arn("/macaque/aborts/*"), arn("/macaque/halt")].sort(),
    );
    const actions = statements.flatMap(actionsOf);
    expect(
      actions.filter((a) => /Terminate|^sqs:SendMessage$|^ec2:|^autoscaling:/.test(a)),
    ).toEqual([]);
    const publishes = statements.filter((s) => actionsOf(s).includes("sns:Publish"));
    expect(publishes.flatMap((s) => referencedIds(s.Resource))).toHaveLength(1);
    expect(policy.Properties.Roles ?? []).toEqual([]);
    template.hasOutput("OperatorPolicyArn", { Value: { Ref: id } });
  });

  it("puts the controls under a configured path", () => {
    const { resources: other } = synthesise({
      senderEmail: "chaos@example.com",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/macaque:test",
      controlParameterPath: "/chaos/prod",
    });
    const [, parameter] = ofType(other, "AWS::SSM::Parameter")[0]!;
    expect(parameter.Properties.Name).toBe("/chaos/prod/halt");
    const role = tasksByService(other).get("terminator")!.taskRole;
    expect(ssmGrants(statementsByRole(other).get(role) ?? [])["ssm:GetParameters"]).toEqual(
      [arn("/chaos/prod/aborts/*"), arn("/chaos/prod/halt")].sort(),
    );
  });
});
