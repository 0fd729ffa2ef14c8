import { createHash } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import type { RenderJob } from '../../../domain/stream/render-jobs.js';
import { inProcessRenderQueue } from '../../../functions/pdf/render-queues.js';
import { pdfServed, startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

let s: StreamStack;
beforeAll(async () => {
  // The renderer is not draining yet: the first test shows what goes out without it.
  s = await startStreamStack('render-queue', {}, { renders: 'paused' });
});
afterAll(() => s?.close());

const ids: string[] = [];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const history = async (id: string) =>
  ((await s.api('GET', `/invoices/${id}/history`)).body.results as { action: string }[]).filter(
    (e) => e.action === 'pdfStored',
  );

test('the stream publishes every finalized event while the renders wait in the queue; the renderer then stores every PDF', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      lineItems: [{ name: `Render ${i}`, unitPrice: 10_000 + i }],
    });
    ids.push(res.body.id);
    expect((await s.api('POST', `/invoices/${res.body.id}/finalize`)).status).toBe(200);
  }
  await until('every finalized event', async () => s.eventsOf('invoice.finalized').length === ids.length);
  // Nothing rendered: the events did not wait for a PDF, the jobs wait in the render queue.
  for (const id of ids) expect((await s.api('GET', `/invoices/${id}`)).body.pdf.status).not.toBe('ready');
  expect(s.renders!.pending()).toBeGreaterThanOrEqual(ids.length);

  await s.renders!.start();
  for (const id of ids) await until(`the PDF of ${id}`, () => pdfServed(s.api, id));
  await until('the queue to empty', async () => s.renders!.pending() === 0);
  for (const id of ids) expect(await history(id)).toHaveLength(1);
  expect(
    s
      .eventsOf('invoice.finalized')
      .map((e) => e.invoiceId)
      .sort(),
  ).toEqual([...ids].sort());
});

test('a stale job (an older version) and a repeated one render nothing and leave the newer PDF, its record and history as they are', async () => {
  const { app } = await import('../../../functions/wiring.js');
  const { documentDeps, createRenderHandler, runRenderJob } = await import('../../../functions/pdf/render.handler.js');
  const id = ids[0]!;
  const open = (await app().deps.invoices.get(s.accountId, id))!;
  const total = (await s.api('GET', `/invoices/${id}`)).body.totals.balanceDue as number;
  expect(
    (await s.api('POST', `/invoices/${id}/payments`, { amount: total, paidAt: '2026-11-20', method: 'check' })).status,
  ).toBe(201);
  const paid = await until('the PAID PDF', async () => {
    const inv = (await app().deps.invoices.get(s.accountId, id))!;
    return inv.status === 'paid' && inv.pdf.status === 'ready' && inv;
  });
  await until('the queue to empty', async () => s.renders!.pending() === 0);
  const record = (await documentDeps().pdfRecords.get(s.accountId, id))!;
  expect(record).toMatchObject({ status: 'paid', version: paid.version });
  const before = await history(id);

  // The stream's images carry a pending mark (the ready mark is written after them).
  const asQueued = (inv: Invoice): Invoice => ({ ...inv, pdf: { status: 'pending', sha256: null } });
  const jobs: RenderJob[] = [
    { kind: 'invoice', issuing: true, invoice: asQueued(open) },
    { kind: 'invoice', issuing: false, invoice: asQueued(paid) },
  ];
  let renders = 0;
  const deps = documentDeps();
  const counted = {
    ...deps,
    renderer: { render: (html: string, o: { format: 'A4' | 'Letter' }) => (renders++, deps.renderer.render(html, o)) },
  };
  const handler = createRenderHandler((job) => runRenderJob(counted, job));
  const event = {
    Records: jobs.map((job, i) => ({ messageId: `m${i}`, body: JSON.stringify(job) })),
  } as unknown as SQSEvent;
  expect((await handler(event)).batchItemFailures).toEqual([]);

  expect(renders).toBe(0);
  expect(await documentDeps().pdfRecords.get(s.accountId, id)).toEqual(record);
  expect(sha((await documentDeps().documents.get(record.key))!)).toBe(record.sha256);
  expect(await history(id)).toEqual(before);
  expect((await app().deps.invoices.get(s.accountId, id))!.pdf).toEqual({ status: 'ready', sha256: record.sha256 });

  // The same job queued again within the deduplication window never reaches the renderer.
  await inProcessRenderQueue().enqueue([jobs[1]!]);
  expect(s.renders!.pending()).toBe(0);
});
