import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseRetrySchedule } from '../../domain/webhooks/delivery.js';
import type { DeliveryMessage } from '../../domain/webhooks/webhook-ports.js';
import type { Env } from '../config/env.js';
import { DynamoDeliveryStore, DynamoWebhookEndpointStore } from '../dynamodb/webhook-store.js';
import { CoalescedReads } from '../dynamodb/group-commit.js';
import type { UrlPolicy } from './url-guard.js';
import { inProcessQueue } from './in-process-queue.js';
import { standardWebhooksSigner } from './standard-webhooks-signer.js';
import { once, perProcess } from '../wiring.js';

/**
 * The delivery queue in AWS. The SQS client loads with the first message sent or delayed: the
 * webhooks API function sends only test pings and retries, and need not load it at its cold start.
 */
function sqsQueue(queueUrl: string) {
  const load = once(async () => new (await import('./sqs-queue.js')).SqsDeliveryQueue(queueUrl));
  return {
    enqueue: async (messages: DeliveryMessage[]) => (await load()).enqueue(messages),
    delay: async (receiptHandle: string, seconds: number) => (await load()).delay(receiptHandle, seconds),
  };
}

/**
 * The URL guard and the sender (ipaddr.js, the HTTP client) load with the first URL checked or
 * POST sent: the webhooks API function checks URLs only when an endpoint is created or changed.
 */
function urlGuardOnUse(policy: UrlPolicy) {
  const load = once(async () => (await import('./url-guard.js')).urlGuard(policy));
  return { check: async (url: string) => (await load()).check(url) };
}
function httpSenderOnUse(policy: UrlPolicy) {
  const load = once(async () => (await import('./http-sender.js')).httpSender(policy));
  return {
    send: async (url: string, headers: Record<string, string>, body: string) => (await load()).send(url, headers, body),
  };
}

/** The webhook adapters: the stores, the queue (SQS in AWS, in-process locally), the URL policy, signer and sender. */
export function webhookAdapters(config: Env, db: DynamoDBDocumentClient) {
  const policy = { allowLoopback: config.WEBHOOKS_ALLOW_LOOPBACK === '1' };
  // One reader for both of the delivery function's stores: an attempt's two reads share a BatchGetItem.
  const reads = new CoalescedReads(db, config.TABLE_NAME);
  const sqs = config.WEBHOOK_QUEUE_URL ? sqsQueue(config.WEBHOOK_QUEUE_URL) : null;
  return {
    endpoints: new DynamoWebhookEndpointStore(db, config.TABLE_NAME),
    deliveries: new DynamoDeliveryStore(db, config.TABLE_NAME),
    /**
     * The delivery function's stores: every attempt reads its delivery and its endpoint, and the
     * attempts of a batch (locally: of every invocation at once) share BatchGetItem requests
     * through group commit. Only that function's role has BatchGetItem.
     */
    attempts: {
      endpoints: new DynamoWebhookEndpointStore(db, config.TABLE_NAME, reads),
      deliveries: new DynamoDeliveryStore(db, config.TABLE_NAME, reads),
    },
    queue: sqs ?? inProcessQueue(),
    /** How the delivery handler schedules a retry of a received message. */
    delayMessage: sqs
      ? (receiptHandle: string, seconds: number) => sqs.delay(receiptHandle, seconds)
      : async (receiptHandle: string, seconds: number) => inProcessQueue().changeVisibility(receiptHandle, seconds),
    guard: urlGuardOnUse(policy),
    sender: httpSenderOnUse(policy),
    signer: standardWebhooksSigner,
    retrySeconds: parseRetrySchedule(config.WEBHOOK_RETRY_SECONDS),
  };
}

/** For the webhooks function, the delivery function and the stream consumer (which fans events out). */
export const webhooks = /* @__PURE__ */ perProcess(({ config, db }) => webhookAdapters(config, db));
