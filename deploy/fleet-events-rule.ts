/**
 * Compose's stand-in for the CDK stack's EventBridge rule (infra/src/fleet-events.ts):
 * on LocalStack's default bus, AWS's fleet events go to the fleet-events queue.
 * There is no EventBridge SDK client in this repository (nothing else calls
 * EventBridge), so the two calls are made in its JSON protocol directly;
 * LocalStack reads the region from the Authorization header and checks no signature.
 */
import { wakeDetailTypes } from "@macaque/shared";

export async function ensureFleetEventsRule(options: {
  endpoint: string;
  region: string;
  prefix: string;
  queueArn: string;
}): Promise<string> {
  const call = async (action: string, body: unknown): Promise<void> => {
    const response = await fetch(options.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSEvents.${action}`,
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${options.region}/events/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(
        `EventBridge ${action} failed: HTTP ${response.status} ${await response.text()}`,
      );
    }
  };
  const name = `${options.prefix}-fleet-events`;
  // PutRule and PutTargets converge: running them again changes nothing.
  await call("PutRule", {
    Name: name,
    EventBusName: "default",
    State: "ENABLED",
    Description: "Auto Scaling launches and terminations, EC2 state changes: macaque's wake-ups",
    EventPattern: JSON.stringify({
      source: ["aws.autoscaling", "aws.ec2"],
      "detail-type": wakeDetailTypes,
    }),
  });
  await call("PutTargets", {
    Rule: name,
    EventBusName: "default",
    Targets: [{ Id: "fleet-events-queue", Arn: options.queueArn }],
  });
  return name;
}
