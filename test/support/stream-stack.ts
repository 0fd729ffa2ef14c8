import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { InvoiceEvent } from '../../domain/events/invoice-events.js';
import { appendDeadLetter, appendWebhookDeadLetter } from '../../infra/local/local-files.js';
import { inProcessQueue } from '../../functions/webhooks/in-process-queue.js';
import { startStreamPoller, type StreamHandler } from '../../infra/local/stream-poller.js';
import { startRenderPoller } from '../../infra/local/render-poller.js';
import { RENDER_FUNCTION_ENTRY } from '../../infra/routes.js';
import { client, startStack, uniqueAccount, type Stack } from './local-stack.js';
import { SIDE_EFFECT_FILTERS } from '../../infra/stream-filters.js';

const OUT = resolve(import.meta.dirname, '../../test-output');

export type StreamStack = {
  stack: Stack;
  api: ReturnType<typeof client>;
  accountId: string;
  contactId: string;
  /** The real stream handler (Chromium, S3), as the poller and a redrive call it. */
  handler: StreamHandler;
  deadLetters: string;
  /** What each handler invocation by the poller answered: failures are the records it will retry. */
  outcomes: { records: number; failed: boolean }[];
  eventsOf: (type: InvoiceEvent['type']) => InvoiceEvent[];
  /**
   * With `renders`: the stream consumer queues render jobs (RENDER_QUEUE=local) for the renderer
   * function's handler, drained as the local runtime does; `start` starts draining (at once unless
   * `renders: 'paused'`), `pending` counts jobs waiting or in flight.
   */
  renders?: { start: () => Promise<void>; pending: () => number; deadLetters: string };
  close: () => Promise<void>;
};

/**
 * The local stack with its stream running: the table's real stream read by the local event source
 * mapping (maxRetries 2, then the dead-letter file) into the real stream handler, an account and a
 * contact to bill.
 */
export async function startStreamStack(
  label: string,
  opts: Parameters<typeof startStack>[0] = {},
  { renders }: { renders?: 'started' | 'paused' } = {},
): Promise<StreamStack> {
  const stack = await startStack({ ...opts, stream: true });
  const dir = mkdtempSync(join(OUT, `${label}-`));
  const eventsFile = join(dir, 'events.jsonl');
  const deadLetters = join(dir, 'dead-letters.jsonl');
  process.env.EVENTS_LOG = eventsFile;
  process.env.OUTBOX_DIR = join(dir, 'outbox');
  if (renders) process.env.RENDER_QUEUE = 'local';
  const renderDeadLetters = join(dir, 'render-dead-letters.jsonl');
  let renderPoller: Awaited<ReturnType<typeof startRenderPoller>> | undefined;
  const startRenders = async () => {
    renderPoller ??= await startRenderPoller({
      entry: resolve(import.meta.dirname, '../..', RENDER_FUNCTION_ENTRY),
      deadLetter: (body, receiveCount) => appendWebhookDeadLetter(renderDeadLetters, body, receiveCount),
    });
  };
  if (renders === 'started') await startRenders();
  const { handler } = (await import('../../functions/stream/invoice-stream.handler.js')) as { handler: StreamHandler };
  const outcomes: StreamStack['outcomes'] = [];
  const poller = startStreamPoller({
    filters: SIDE_EFFECT_FILTERS,
    endpoint: stack.endpoint,
    tableName: stack.tableName,
    handler: async (event: DynamoDBStreamEvent) => {
      const res = (await handler(event)) as DynamoDBBatchResponse;
      outcomes.push({ records: event.Records.length, failed: res.batchItemFailures.length > 0 });
      return res;
    },
    maxRetries: 2,
    pollIntervalMs: 100,
    deadLetter: (record, error) => appendDeadLetter(deadLetters, record, error),
  });
  const accountId = uniqueAccount();
  const api = client(stack.baseUrl, await stack.token(accountId));
  const contactId = (
    await api('POST', '/contacts', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' })
  ).body.id as string;
  return {
    stack,
    api,
    accountId,
    contactId,
    handler,
    deadLetters,
    outcomes,
    eventsOf: (type) =>
      existsSync(eventsFile)
        ? readFileSync(eventsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as InvoiceEvent)
            .filter((e) => e.type === type)
        : [],
    ...(renders
      ? {
          renders: {
            start: startRenders,
            pending: () => inProcessQueue('render').messages.size,
            deadLetters: renderDeadLetters,
          },
        }
      : {}),
    close: async () => {
      await poller.stop();
      await renderPoller?.stop();
      await stack.close();
    },
  };
}

/** The invoice's PDF is ready and its signed link serves a PDF from the bucket. */
export async function pdfServed(api: StreamStack['api'], invoiceId: string): Promise<boolean> {
  const inv = await api('GET', `/invoices/${invoiceId}`);
  if (inv.body.pdf?.status !== 'ready') return false;
  const link = await api('GET', `/invoices/${invoiceId}/pdf`);
  if (link.status !== 200) return false;
  const res = await fetch(link.body.url);
  return (
    res.status === 200 &&
    Buffer.from(await res.arrayBuffer())
      .subarray(0, 5)
      .toString() === '%PDF-'
  );
}
