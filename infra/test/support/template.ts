import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { ServiceName } from "@macaque/shared";
import { MacaqueStack } from "../../src/macaque-stack.ts";
import { parseSettings } from "../../src/settings.ts";
import { repoFile } from "./repo.ts";

export const testEnv = { account: "123456789012", region: "eu-west-1" };

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Synthesises the stack offline with the feature flags of infra/cdk.json. */
export function synthesise(context: Record<string, unknown>): {
  stack: MacaqueStack;
  template: Template;
  resources: Record<string, Resource>;
} {
  const { context: flags } = JSON.parse(repoFile("infra/cdk.json")) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: flags });
  const stack = new MacaqueStack(app, "macaque-test", {
    settings: parseSettings(context),
    env: testEnv,
  });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return { stack, template, resources };
}

export const ofType = (resources: Record<string, Resource>, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

export const actionsOf = (s: Statement): string[] =>
  Array.isArray(s.Action) ? s.Action : [s.Action];

/** Logical ids in a Resource value: `{Fn::GetAtt: [id, ...]}`, `{Ref: id}`, or arrays of them. */
export function referencedIds(resource: unknown): string[] {
  if (Array.isArray(resource)) return resource.flatMap(referencedIds);
  if (resource && typeof resource === "object") {
    const r = resource as Record<string, unknown>;
    if (Array.isArray(r["Fn::GetAtt"])) return [String(r["Fn::GetAtt"][0])];
    if (typeof r.Ref === "string") return [r.Ref];
  }
  return [];
}

/** Every IAM statement, grouped by the logical id of the role it is attached to. */
export function statementsByRole(resources: Record<string, Resource>): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  for (const [, policy] of ofType(resources, "AWS::IAM::Policy")) {
    const document = policy.Properties.PolicyDocument as { Statement: Statement[] };
    for (const role of referencedIds(policy.Properties.Roles)) {
      byRole.set(role, [...(byRole.get(role) ?? []), ...document.Statement]);
    }
  }
  for (const [id, role] of ofType(resources, "AWS::IAM::Role")) {
    const inline = (role.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: Statement[] };
    }[];
    for (const p of inline)
      byRole.set(id, [...(byRole.get(id) ?? []), ...p.PolicyDocument.Statement]);
  }
  return byRole;
}

export interface ContainerDefinition {
  Name: string;
  Command: string[];
  Environment: { Name: string; Value: unknown }[];
  HealthCheck: { Command: string[] };
  ReadonlyRootFilesystem: boolean;
  LogConfiguration: { Options: Record<string, unknown> };
}

/** Each service's task definition: its container and its task and execution role ids. */
export function tasksByService(
  resources: Record<string, Resource>,
): Map<ServiceName, { container: ContainerDefinition; taskRole: string; executionRole: string }> {
  const tasks = new Map<
    ServiceName,
    { container: ContainerDefinition; taskRole: string; executionRole: string }
  >();
  for (const [, task] of ofType(resources, "AWS::ECS::TaskDefinition")) {
    const [container] = task.Properties.ContainerDefinitions as ContainerDefinition[];
    if (!container) continue;
    tasks.set(container.Name as ServiceName, {
      container,
      taskRole: referencedIds(task.Properties.TaskRoleArn)[0] ?? "",
      executionRole: referencedIds(task.Properties.ExecutionRoleArn)[0] ?? "",
    });
  }
  return tasks;
}
