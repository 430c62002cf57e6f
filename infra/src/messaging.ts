import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { SubscriptionFilter, Topic } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  QueueRole,
  TopicRole,
  deadLetterQueueName,
  queueDefaults,
  queueName,
  subscriptions,
  topicName,
  typeAttribute,
} from "@macaque/shared";

export interface MacaqueQueue {
  queue: Queue;
  deadLetter: Queue;
}

/**
 * Every queue with its dead-letter queue, both topics, and the filtered raw
 * subscriptions of the event-fed queues: names and filters come from
 * `@macaque/shared`, the one place that also drives `ensureTopology()`.
 */
export class Messaging extends Construct {
  readonly queues: Record<QueueRole, MacaqueQueue>;
  readonly topics: Record<TopicRole, Topic>;

  constructor(scope: Construct, id: string, props: { prefix: string }) {
    super(scope, id);
    const { prefix } = props;

    this.topics = {} as Record<TopicRole, Topic>;
    for (const role of Object.values(TopicRole)) {
      this.topics[role] = new Topic(this, `${role}-topic`, { topicName: topicName(prefix, role) });
    }

    this.queues = {} as Record<QueueRole, MacaqueQueue>;
    for (const role of Object.values(QueueRole)) {
      const deadLetter = new Queue(this, `${role}-dlq`, {
        queueName: deadLetterQueueName(prefix, role),
        retentionPeriod: Duration.seconds(queueDefaults.deadLetterRetentionSeconds),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const queue = new Queue(this, `${role}-queue`, {
        queueName: queueName(prefix, role),
        visibilityTimeout: Duration.seconds(queueDefaults.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: deadLetter, maxReceiveCount: queueDefaults.maxReceiveCount },
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.queues[role] = { queue, deadLetter };
    }

    for (const sub of subscriptions) {
      // SqsSubscription also writes the queue policy that lets only this topic send.
      this.topics.events.addSubscription(
        new SqsSubscription(this.queues[sub.queue].queue, {
          rawMessageDelivery: true,
          filterPolicy: {
            [typeAttribute]: SubscriptionFilter.stringFilter({ allowlist: [...sub.types] }),
          },
        }),
      );
    }
  }

  /** Every queue and dead-letter queue, for the look-ups `resolveTopology()` makes at start. */
  allQueues(): Queue[] {
    return Object.values(this.queues).flatMap((q) => [q.queue, q.deadLetter]);
  }
}
