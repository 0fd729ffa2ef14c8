import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { renderGroup, renderJobId, type RenderJob, type RenderQueue } from '../../domain/stream/render-jobs.js';
import { inProcessQueue } from '../webhooks/in-process-queue.js';

/**
 * In AWS: the render queue, SQS FIFO. Each invoice is a message group (render-jobs.ts: one render
 * of a document at a time, in order) and each job's id its deduplication id; ten to a batch.
 */
export class SqsRenderQueue implements RenderQueue {
  private readonly client = new SQSClient({});
  constructor(readonly queueUrl: string) {}

  async enqueue(jobs: RenderJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      const batch = jobs.slice(i, i + 10);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((job, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(job),
            MessageGroupId: renderGroup(job),
            MessageDeduplicationId: renderJobId(job),
          })),
        }),
      );
      // Per-entry failures do not throw: one must fail the stream record, which is retried (jobs are idempotent).
      if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} of ${batch.length} render jobs`);
    }
  }
}

/** Locally: the process's in-process render queue, FIFO by group, drained by infra/local/delivery-poller.ts. */
export const inProcessRenderQueue = (): RenderQueue => ({
  enqueue: async (jobs) =>
    inProcessQueue('render').send(
      jobs.map((job) => ({ body: JSON.stringify(job), group: renderGroup(job), dedupId: renderJobId(job) })),
    ),
});

/** The render queue of this environment: SQS where its URL is set, in-process where RENDER_QUEUE=local, else none (inline renders). */
export function renderQueue(config: { RENDER_QUEUE_URL?: string; RENDER_QUEUE?: string }): RenderQueue | undefined {
  if (config.RENDER_QUEUE_URL) return new SqsRenderQueue(config.RENDER_QUEUE_URL);
  return config.RENDER_QUEUE === 'local' ? inProcessRenderQueue() : undefined;
}
