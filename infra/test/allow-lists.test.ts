import { describe, expect, it } from "vitest";
import { ofType, synthesise, tasksByService } from "./support/template.ts";

/**
 * The allow-lists in the CDK stack: off unless the context names them; with a
 * sender, the stack adds the producer's own role (a selector's fan-out sends job
 * messages) and the Scheduler's, which exist only once deployed.
 */
const required = { senderEmail: "chaos@example.com" };
const variable = (env: { Name: string; Value: unknown }[], name: string) =>
  env.find((e) => e.Name === name)?.Value;

describe("the allow-lists in the stack", () => {
  it("are off by default", () => {
    const { resources } = synthesise(required);
    for (const [, task] of tasksByService(resources)) {
      expect(variable(task.container.Environment, "ALLOWED_SENDER_IDS")).toBeUndefined();
      expect(variable(task.container.Environment, "ALLOWED_EMAIL_DOMAINS")).toBeUndefined();
    }
  });

  it("give the producer the senders plus its own and the Scheduler's role ids", () => {
    const { resources } = synthesise({
      ...required,
      allowedSenderIds: "123456789012,AIDAEXAMPLEUSER1",
      allowedEmailDomains: "corp.example",
    });
    const tasks = tasksByService(resources);
    const producer = tasks.get("producer")!;
    const [schedulerRole] = ofType(resources, "AWS::IAM::Role")
      .filter(([, r]) => r.Properties.RoleName === "chaos-scheduler")
      .map(([id]) => id);
    expect(variable(producer.container.Environment, "ALLOWED_SENDER_IDS")).toEqual({
      "Fn::Join": [
        ",",
        [
          // CloudFormation's join of the literals, then each role's id.
          "123456789012,AIDAEXAMPLEUSER1",
          { "Fn::GetAtt": [producer.taskRole, "RoleId"] },
          { "Fn::GetAtt": [schedulerRole, "RoleId"] },
        ],
      ],
    });
    for (const service of ["producer", "notifier"] as const) {
      const env = tasks.get(service)!.container.Environment;
      expect(variable(env, "ALLOWED_EMAIL_DOMAINS")).toBe("corp.example");
    }
  });
});
