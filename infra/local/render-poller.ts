import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { inProcessQueue } from '../../functions/webhooks/in-process-queue.js';
import { RENDER_SETTINGS } from '../render-settings.js';
import { startDeliveryPoller } from './delivery-poller.js';

export type RenderPollerOptions = {
  /** The renderer function's module (RENDER_FUNCTION_ENTRY), imported once: one warm instance, one browser. */
  entry: string;
  /** Invocations in flight at once (Lambda instances); each renders its batch on RENDER_SETTINGS.pagesPerInstance pages. */
  instances?: number;
  deadLetter?: (body: string, receiveCount: number) => Promise<void>;
};

/**
 * The render queue's event source mapping on one machine: the in-process render queue (FIFO by
 * invoice, deduplicated, as the SQS FIFO queue) drained in batches by the renderer function's own
 * handler, with the CDK stack's batch size, visibility and receive count.
 */
export async function startRenderPoller(opts: RenderPollerOptions) {
  const { handler } = (await import(opts.entry)) as { handler: (event: SQSEvent) => Promise<SQSBatchResponse> };
  const queue = inProcessQueue('render');
  const poller = startDeliveryPoller({
    handler,
    queue,
    queueName: 'render-jobs.fifo',
    batchSize: RENDER_SETTINGS.batchSize,
    concurrency: opts.instances ?? 1,
    visibilitySeconds: RENDER_SETTINGS.visibilityTimeoutSeconds,
    maxReceiveCount: RENDER_SETTINGS.maxReceiveCount,
    deadLetter: opts.deadLetter,
  });
  return {
    /** Jobs waiting or in flight. */
    pending: () => queue.messages.size,
    stop: poller.stop,
  };
}
