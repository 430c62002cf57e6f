/** `cdk synth` / `cdk deploy` entry: read the context, build the stack. */
import { App } from "aws-cdk-lib";
import { MacaqueStack } from "./macaque-stack.ts";
import { SettingsError, parseSettings, settingKeys } from "./settings.ts";

const app = new App();
const context = Object.fromEntries(settingKeys.map((key) => [key, app.node.tryGetContext(key)]));

try {
  const settings = parseSettings(context);
  new MacaqueStack(app, `macaque-${settings.namePrefix}`, {
    settings,
    description: "macaque: a chaos monkey for EC2 Auto Scaling groups, on ECS Fargate",
    // A concrete account and region are needed to look an existing VPC up.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  app.synth();
} catch (err) {
  if (!(err instanceof SettingsError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
