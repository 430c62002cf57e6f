import { CfnOutput, Stack } from "aws-cdk-lib";
import { ManagedPolicy, PolicyStatement, type IRole } from "aws-cdk-lib/aws-iam";
import { StringParameter } from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";
import { ServiceName, TopicRole, controlNames, type HaltRecord } from "@macaque/shared";
import type { Messaging } from "./messaging.ts";

/**
 * The operator's controls in Parameter Store (shared/control.ts): the kill
 * switch, created off; the aborts and in-flight notes are written at run time
 * under the same path. Who may halt is a managed policy of its own, attached to
 * no service role: the services only read the switch, and none of them, nor who
 * may request experiments, can set it. Attach `OperatorPolicy` to the on-call
 * role or group.
 */
export interface ControlsProps {
  /** CONTROL_PARAMETER_PATH, e.g. `/macaque`. */
  path: string;
  messaging: Messaging;
}

/** The switch as the stack creates it. A deploy changes it only if this definition changes. */
const initialSwitch: HaltRecord = {
  halted: false,
  by: "the macaque stack",
  at: new Date(0).toISOString(),
  reason: "created, not halted",
};

export class Controls extends Construct {
  readonly haltSwitch: StringParameter;
  readonly operatorPolicy: ManagedPolicy;
  private readonly path: string;

  constructor(scope: Construct, id: string, props: ControlsProps) {
    super(scope, id);
    this.path = props.path;
    const names = controlNames(props.path);
    this.haltSwitch = new StringParameter(this, "HaltSwitch", {
      parameterName: names.halt,
      stringValue: JSON.stringify(initialSwitch),
      description: "macaque's kill switch: macaque halt / resume set it; every service reads it",
    });
    this.operatorPolicy = new ManagedPolicy(this, "OperatorPolicy", {
      description:
        "Who may halt, resume and abort macaque (macaque halt/resume/abort/status); grants no termination and no job requests",
      statements: [
        new PolicyStatement({
          actions: ["ssm:PutParameter"],
          resources: [this.arn(names.halt), this.arn(`${names.aborts}/*`)],
        }),
        new PolicyStatement({
          actions: ["ssm:GetParameter"],
          resources: [this.arn(names.halt)],
        }),
        new PolicyStatement({
          actions: ["ssm:GetParametersByPath"],
          resources: [this.arn(names.aborts), this.arn(names.experiments)],
        }),
        // Halts and resumes are announced on the events topic (the notifier reports them).
        new PolicyStatement({
          actions: ["sns:Publish"],
          resources: [props.messaging.topics[TopicRole.events].topicArn],
        }),
        // The CLI finds the events topic by name, as every macaque process does.
        new PolicyStatement({ actions: ["sns:ListTopics"], resources: ["*"] }),
        new PolicyStatement({
          actions: ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
          resources: props.messaging.allQueues().map((q) => q.queueArn),
        }),
      ],
    });
    new CfnOutput(scope, "OperatorPolicyArn", {
      value: this.operatorPolicy.managedPolicyArn,
      description: "Attach to whoever may run macaque halt / resume / abort",
    });
    new CfnOutput(scope, "HaltParameterName", { value: this.haltSwitch.parameterName });
  }

  /** What each service reads or writes of the controls, and nothing else. */
  grantService(role: IRole, service: ServiceName): void {
    const names = controlNames(this.path);
    const add = (actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    switch (service) {
      case ServiceName.producer:
        add(["ssm:GetParameter"], [this.arn(names.halt)]);
        add(["ssm:PutParameter", "ssm:DeleteParameter"], [this.arn(`${names.experiments}/*`)]);
        return;
      case ServiceName.terminator:
        // One GetParameters per check: the switch and the order's abort together.
        add(["ssm:GetParameters"], [this.arn(names.halt), this.arn(`${names.aborts}/*`)]);
        return;
      case ServiceName.recoveryMonitor:
        // GetParametersByPath is authorised against the path itself.
        add(["ssm:GetParametersByPath"], [this.arn(names.aborts)]);
        return;
      case ServiceName.notifier:
        return;
    }
  }

  private arn(name: string): string {
    const { partition, region, account } = Stack.of(this);
    return `arn:${partition}:ssm:${region}:${account}:parameter${name}`;
  }
}
