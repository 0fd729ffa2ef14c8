import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { attemptDelivery } from '../../domain/webhooks/attempt-delivery.js';
import type { DeliveryMessage } from '../../domain/webhooks/webhook-ports.js';
import { scopedLog } from '../observability/logger.js';
import { systemClock } from '../wiring.js';
import { webhooks as webhookAdapters } from './webhook-wiring.js';

/**
 * The delivery function: one attempt per queue message, all of a batch at once (a hanging
 * endpoint holds only its own message). A failed attempt with retries left changes its message's
 * visibility to the schedule's delay and reports it as a batch item failure, so SQS shows it
 * again then; a message that errors here (not the endpoint: our own failure) is reported too and,
 * after the queue's maxReceiveCount, lands in the dead-letter queue.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const webhooks = webhookAdapters();
  const deps = { ...webhooks, ...webhooks.attempts, clock: systemClock };
  const log = scopedLog({ correlation_id: event.Records[0]?.messageId ?? 'empty' });
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = JSON.parse(record.body) as DeliveryMessage;
        const result = await attemptDelivery(deps, message);
        if (result !== 'done') {
          await webhooks.delayMessage(record.receiptHandle, result.retryInSeconds);
          failures.push({ itemIdentifier: record.messageId });
        }
      } catch (e) {
        log.error('webhook delivery failed', { messageId: record.messageId }, e);
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
