import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { queueName, QueueRole } from "@macaque/shared";
import { scheduleGroupName, schedulerRoleName } from "@macaque/shared/schedule";
import {
  ofType,
  statementsByRole,
  synthesise,
  testEnv,
  type Resource,
} from "./support/template.ts";

let template: Template;
let resources: Record<string, Resource>;
beforeAll(() => {
  ({ template, resources } = synthesise({
    senderEmail: "chaos@example.com",
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/macaque:test",
  }));
});

const roleId = () => {
  const found = ofType(resources, "AWS::IAM::Role").find(
    ([, r]) => r.Properties.RoleName === schedulerRoleName("chaos"),
  );
  if (!found) throw new Error("no scheduler role");
  return found[0];
};

describe("schedules", () => {
  it("creates macaque's own schedule group", () => {
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", {
      Name: scheduleGroupName("chaos"),
    });
  });

  it("gives the Scheduler a role that may only send to the request queue", () => {
    const statements = statementsByRole(resources).get(roleId())!;
    expect(statements).toHaveLength(1);
    const [only] = statements;
    expect(only).toMatchObject({ Effect: "Allow", Action: "sqs:SendMessage" });
    const requestQueue = ofType(resources, "AWS::SQS::Queue").find(
      ([, r]) => r.Properties.QueueName === queueName("chaos", QueueRole.requests),
    )![0];
    expect(only!.Resource).toEqual({ "Fn::GetAtt": [requestQueue, "Arn"] });
  });

  it("lets only the Scheduler assume it, for schedules of this account's group", () => {
    const role = resources[roleId()]!;
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Action: "sts:AssumeRole",
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Condition: {
            StringEquals: { "aws:SourceAccount": testEnv.account },
            ArnLike: {
              "aws:SourceArn": `arn:aws:scheduler:${testEnv.region}:${testEnv.account}:schedule/${scheduleGroupName("chaos")}/*`,
            },
          },
        },
      ],
    });
  });

  it("outputs the group and the role for the CLI", () => {
    template.hasOutput("ScheduleGroupName", Match.anyValue());
    template.hasOutput("SchedulerRoleArn", Match.anyValue());
  });
});
