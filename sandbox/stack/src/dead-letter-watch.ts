import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { awsClientConfig } from "@macaque/shared";
import { sandboxCredentials, type Stack } from "./stack.ts";

/**
 * The sandbox's stand-in for the CDK stack's dead-letter alarms: it looks at
 * every dead-letter queue every few seconds and prints a line whenever one holds
 * more messages than at the last look, so a message a service gave up on never
 * goes unnoticed in a terminal full of logs.
 */
export function watchDeadLetters(
  stack: Stack,
  print: (line: string) => void,
  everyMs = 5_000,
): { stop(): void } {
  const sqs = new SQSClient({
    ...awsClientConfig({ region: stack.region }),
    endpoint: stack.endpoints.sqs,
    credentials: sandboxCredentials,
    useQueueUrlAsEndpoint: false,
  });
  const seen = new Map<string, number>();
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const queue of Object.values(stack.topology.queues)) {
        const { url, name } = queue.deadLetter;
        const out = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ["ApproximateNumberOfMessages"],
          }),
        );
        const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
        if (depth > (seen.get(name) ?? 0)) {
          print(
            `macaque sandbox: ${depth} message(s) in ${name}: a service gave up on them (npx macaque dlq list)`,
          );
        }
        seen.set(name, depth);
      }
    } catch {
      // The stand-in is stopping or busy: the next look tries again.
    } finally {
      busy = false;
    }
  };
  void look();
  const timer = setInterval(() => void look(), everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      sqs.destroy();
    },
  };
}
