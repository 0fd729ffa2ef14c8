import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { inProcessQueue, type InProcessQueue, type QueuedMessage } from '../../functions/webhooks/in-process-queue.js';

export type DeliveryHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export type DeliveryPollerOptions = {
  handler: DeliveryHandler;
  /** The queue drained (default: the webhook deliveries'; the render jobs' for the renderer). */
  queue?: InProcessQueue;
  /** Messages handed to one invocation (the event source's batch size; default 1). */
  batchSize?: number;
  /** The queue's name in the records' eventSourceARN. */
  queueName?: string;
  /** Messages in flight at once: Lambda's concurrency on the queue, here one message an invocation. */
  concurrency?: number;
  /** The queue's visibility timeout: above the 10 s delivery timeout, as in the CDK stack. */
  visibilitySeconds?: number;
  /** Receives before a message goes to the dead-letter destination (the redrive policy's maxReceiveCount). */
  maxReceiveCount?: number;
  deadLetter?: (body: string, receiveCount: number) => Promise<void>;
};

function toRecord(m: QueuedMessage, queueName: string): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle!,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
    awsRegion: 'local',
  };
}

/**
 * Plays Lambda's SQS event source mapping over the in-process delivery queue: receives visible
 * messages (each invisible while in flight), invokes the delivery handler with each on its own
 * (so a hanging endpoint holds one slot, not the others), deletes what succeeded and leaves a
 * reported failure to show again when its visibility (which the handler may have set to the
 * retry delay) ends. After `maxReceiveCount` receives a failing message goes to the dead letters.
 */
export function startDeliveryPoller(opts: DeliveryPollerOptions) {
  const queue = opts.queue ?? inProcessQueue();
  const batchSize = opts.batchSize ?? 1;
  const queueName = opts.queueName ?? 'webhook-deliveries';
  const concurrency = opts.concurrency ?? 16;
  const visibility = opts.visibilitySeconds ?? 60;
  const maxReceiveCount = opts.maxReceiveCount ?? 15;
  let inFlight = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  const invoke = async (batch: QueuedMessage[]) => {
    try {
      const res = await opts.handler({ Records: batch.map((m) => toRecord(m, queueName)) });
      for (const m of batch) {
        if (!res.batchItemFailures.some((f) => f.itemIdentifier === m.messageId)) queue.delete(m.messageId);
        else if (m.receiveCount >= maxReceiveCount) {
          queue.delete(m.messageId);
          await opts.deadLetter?.(m.body, m.receiveCount);
        }
      }
    } catch {
      // A handler that throws fails the whole batch: its messages show again after their visibility.
    }
  };

  const pump = () => {
    if (stopped) return;
    clearTimeout(timer);
    while (concurrency - inFlight > 0) {
      const batch = queue.receive(batchSize, visibility);
      if (!batch.length) break;
      inFlight++;
      const p = invoke(batch).finally(() => {
        inFlight--;
        running.delete(p);
        pump();
      });
      running.add(p);
    }
    // A message visible now but not received (every slot busy, or its FIFO group in flight) is
    // picked up when an invocation ends; only a later visibility needs the timer.
    const next = queue.nextVisibleAt();
    if (next !== null && next > Date.now()) timer = setTimeout(pump, Math.max(5, next - Date.now()));
  };
  const unsubscribe = queue.onMessage(() => setImmediate(pump));
  pump();

  return {
    /** Stops receiving and waits for the deliveries in flight. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      await Promise.all(running);
    },
  };
}
