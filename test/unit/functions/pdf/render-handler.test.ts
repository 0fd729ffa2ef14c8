import type { SQSEvent } from 'aws-lambda';
import { expect, test } from 'vitest';
import type { RenderJob } from '../../../../domain/stream/render-jobs.js';
import { createRenderHandler } from '../../../../functions/pdf/render.handler.js';
import { sampleInvoice } from '../../../support/sample-invoice.js';

const job = (id: string, version: number): RenderJob => ({
  kind: 'invoice',
  issuing: false,
  invoice: { ...sampleInvoice({ status: 'open' }), id, version },
});
const event = (jobs: RenderJob[]) =>
  ({ Records: jobs.map((j, i) => ({ messageId: `m${i}`, body: JSON.stringify(j) })) }) as unknown as SQSEvent;

test('a batch renders on at most `pages` at once, each invoice in order and one job at a time', async () => {
  const jobs = [job('a', 2), job('b', 2), job('a', 3), job('c', 2), job('d', 2), job('e', 2), job('a', 4), job('f', 2)];
  let inFlight = 0;
  let most = 0;
  const started: string[] = [];
  const running = new Set<string>();
  const handler = createRenderHandler(async (j) => {
    if (j.kind !== 'invoice') throw new Error('unexpected');
    expect(running.has(j.invoice.id)).toBe(false); // never two of one invoice at once
    running.add(j.invoice.id);
    started.push(`${j.invoice.id}${j.invoice.version}`);
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    running.delete(j.invoice.id);
  }, 3);
  expect((await handler(event(jobs))).batchItemFailures).toEqual([]);
  expect(most).toBe(3);
  expect(started.filter((s) => s.startsWith('a'))).toEqual(['a2', 'a3', 'a4']);
  expect(started).toHaveLength(jobs.length);
});

test('a failed job is reported with the later jobs of its invoice (FIFO), and the other invoices go on', async () => {
  const jobs = [job('a', 2), job('b', 2), job('a', 3), job('a', 4), job('c', 2)];
  const done: string[] = [];
  const handler = createRenderHandler(async (j) => {
    if (j.kind !== 'invoice') return;
    if (j.invoice.id === 'a' && j.invoice.version === 3) throw new Error('Chromium went away');
    done.push(`${j.invoice.id}${j.invoice.version}`);
  });
  const bad = { messageId: 'm5', body: '{not json' };
  const res = await handler({ Records: [...event(jobs).Records, bad] } as unknown as SQSEvent);
  expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m2', 'm3', 'm5']);
  expect(done.sort()).toEqual(['a2', 'b2', 'c2']);
});

test('a job that fails once (a busy chain, a browser relaunched) is tried again in the invocation and not reported', async () => {
  let calls = 0;
  const handler = createRenderHandler(async () => {
    if (++calls === 1) throw new Error('Too many documents are being chained at once; retry shortly');
  });
  expect((await handler(event([job('a', 2)]))).batchItemFailures).toEqual([]);
  expect(calls).toBe(2);
});
