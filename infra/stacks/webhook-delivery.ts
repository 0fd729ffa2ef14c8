import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_RETRY_SECONDS } from '../../domain/webhooks/delivery.js';
import { WEBHOOK_DELIVERY_FUNCTION_ENTRY } from '../routes.js';
import { deadLetterQueue } from './dead-letters.js';
import { grantTableAccess } from './grants.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/**
 * The delivery queue's settings; exported for the template tests. A message is received once per
 * attempt (a failed attempt sets its visibility to the retry delay), so the redrive count is the
 * schedule's attempts plus room for the function's own transient failures: only those end in the
 * dead-letter queue, an endpoint's failures end as a failed delivery in the log.
 */
export const DELIVERY_SETTINGS = {
  batchSize: 10,
  /** Ten POSTs of a batch run at once, each given up at 10 s; DynamoDB writes around them. */
  functionTimeoutSeconds: 30,
  /** Lambda's advice for SQS sources: six times the function's timeout. */
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: DEFAULT_RETRY_SECONDS.length + 1 + 7,
  /** The default schedule spans about 28 hours; SQS keeps messages at most 14 days. */
  retentionDays: 14,
} as const;

/**
 * The table item actions the delivery function uses: read a delivery and its endpoint (a batch's
 * reads together, BatchGetItem: functions/dynamodb/group-commit.ts), append an attempt.
 */
export const DELIVERY_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] as const;

export type WebhookDeliveryProps = { table: ITable; publicBaseUrl: string };

/**
 * Webhooks out: the queue of deliveries (one message per event × endpoint, filled by the stream
 * consumer and the API's test and retry routes), the function that drains it (one POST per
 * message, all of a batch at once), a dead-letter queue with an alarm on its first message.
 * A slow or dead endpoint occupies only its own message: never the stream consumer (PDFs), the
 * API, or other endpoints.
 */
export class WebhookDelivery extends Construct {
  readonly queue: Queue;
  readonly fn: ServiceFunction;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const dead = deadLetterQueue(
      this,
      'Webhook delivery messages the delivery function failed on every receive (its own errors, not an endpoint answering badly): see the dead-letter queue.',
    );
    this.deadLetterQueue = dead.queue;
    this.deadLetterAlarm = dead.alarm;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(DELIVERY_SETTINGS.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(DELIVERY_SETTINGS.retentionDays),
      deadLetterQueue: { queue: dead.queue, maxReceiveCount: DELIVERY_SETTINGS.maxReceiveCount },
    });
    this.fn = serviceFunction(this, 'Delivery', {
      entry: WEBHOOK_DELIVERY_FUNCTION_ENTRY,
      description: 'Webhook deliveries: signs and POSTs each queued delivery, schedules its retries',
      timeout: Duration.seconds(DELIVERY_SETTINGS.functionTimeoutSeconds),
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        WEBHOOK_QUEUE_URL: this.queue.queueUrl,
      },
    });
    grantTableAccess(this.fn, props.table, DELIVERY_TABLE_ACTIONS, []);
    // Receive and delete come with the event source; a retry is a visibility change, on this queue only.
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:ChangeMessageVisibility'], resources: [this.queue.queueArn] }),
    );
    this.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: DELIVERY_SETTINGS.batchSize, reportBatchItemFailures: true }),
    );
  }

  /** A function that queues deliveries: the queue's URL in its environment, and SendMessage on it only. */
  allowEnqueue(fn: IFunction & { addEnvironment(key: string, value: string): unknown }) {
    fn.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }
}
