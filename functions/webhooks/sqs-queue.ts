import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage, DeliveryQueue } from '../../domain/webhooks/webhook-ports.js';

/** In AWS: the delivery queue, one message per delivery, sent ten to a batch (SQS's limit). */
export class SqsDeliveryQueue implements DeliveryQueue {
  private readonly client = new SQSClient({});
  constructor(readonly queueUrl: string) {}

  async enqueue(messages: DeliveryMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m) })),
        }),
      );
      // Per-entry failures do not throw: one must fail the caller (the stream record is retried; the fan-out is idempotent).
      if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} of ${batch.length} deliveries`);
    }
  }

  /** Schedules a retry: the received message shows again after `seconds` (at most 12 h). */
  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }
}
