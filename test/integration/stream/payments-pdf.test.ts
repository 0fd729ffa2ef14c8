import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { InvoiceEvent } from '../../../domain/events/invoice-events.js';
import { appendDeadLetter } from '../../../infra/local/local-files.js';
import { startStreamPoller } from '../../../infra/local/stream-poller.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';
import { parsePdf } from '../../support/pdf-text.js';
import { until } from '../../support/until.js';
import { SIDE_EFFECT_FILTERS } from '../../../infra/stream-filters.js';

const OUT = resolve(import.meta.dirname, '../../../test-output');
let stack: Stack;
let api: ReturnType<typeof client>;
let eventsFile: string;
let poller: ReturnType<typeof startStreamPoller>;
let contactId: string;

beforeAll(async () => {
  stack = await startStack({ stream: true });
  const dir = mkdtempSync(join(OUT, 'payments-stream-'));
  eventsFile = join(dir, 'events.jsonl');
  process.env.EVENTS_LOG = eventsFile;
  process.env.OUTBOX_DIR = join(dir, 'outbox');
  const { handler } = await import('../../../functions/stream/invoice-stream.handler.js');
  // The real stream of the table, read by the local event source mapping, into the real handler (Chromium, S3).
  poller = startStreamPoller({
    filters: SIDE_EFFECT_FILTERS,
    endpoint: stack.endpoint,
    tableName: stack.tableName,
    handler: (event: DynamoDBStreamEvent) => handler(event) as never,
    maxRetries: 2,
    pollIntervalMs: 100,
    deadLetter: (record, error) => appendDeadLetter(join(dir, 'dead-letters.jsonl'), record, error),
  });
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }))
    .body.id;
});
afterAll(async () => {
  await poller?.stop();
  await stack?.close();
});

const eventsOf = (invoiceId: string): InvoiceEvent[] =>
  existsSync(eventsFile)
    ? readFileSync(eventsFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as InvoiceEvent)
        .filter((e) => e.invoiceId === invoiceId)
    : [];

async function download(path: string): Promise<string> {
  const link = await api('GET', path);
  expect(link.status).toBe(200);
  const res = await fetch(link.body.url);
  expect(res.status).toBe(200);
  return (await parsePdf(new Uint8Array(await res.arrayBuffer()))).text;
}

const readyAt = (id: string, version: number) =>
  until(`the PDF of version ${version}`, async () => {
    const inv = (await api('GET', `/invoices/${id}`)).body;
    return inv.version === version && inv.pdf.status === 'ready' && inv;
  });

test('a partly paid invoice: the PDF is rendered again and shows the payments and the balance due; events once each', async () => {
  const draft = (
    await api('POST', '/invoices', {
      contacts: [contactId],
      allowPartialPayments: true,
      lineItems: [{ name: 'Consulting', quantity: 2, unitPrice: 61_728 }],
    })
  ).body;
  const open = (await api('POST', `/invoices/${draft.id}/finalize`)).body;
  const first = await readyAt(draft.id, open.version);
  expect(await download(`/invoices/${draft.id}/pdf`)).toContain('$1,234.56');

  const p1 = await api('POST', `/invoices/${draft.id}/payments`, {
    amount: 20_000,
    paidAt: '2026-11-20',
    method: 'check',
    reference: 'CHK-0042',
  });
  const p2 = await api('POST', `/invoices/${draft.id}/payments`, {
    amount: 30_456,
    paidAt: '2026-11-24',
    method: 'bankTransfer',
  });
  expect([p1.status, p2.status]).toEqual([201, 201]);
  const partly = await readyAt(draft.id, p2.body.invoice.version);
  expect(partly.pdf.sha256).not.toBe(first.pdf.sha256);
  const text = await download(`/invoices/${draft.id}/pdf`);
  expect(text).toMatch(/PAYMENTS/);
  expect(text).toContain('CHK-0042');
  expect(text).toContain('Check');
  expect(text).toContain('Bank transfer');
  expect(text).toContain('$200.00');
  expect(text).toContain('$304.56');
  expect(text).toMatch(/Amount paid\s*\$504\.56/);
  expect(text).toMatch(/Balance due\s*\$730\.00/);
  expect(text).not.toMatch(/PAID/);

  await poller.drain();
  const types = eventsOf(draft.id).map((e) => e.type);
  expect(types.filter((t) => t === 'invoice.paymentRecorded')).toHaveLength(2);
  expect(types).not.toContain('invoice.paid');
  const recorded = eventsOf(draft.id).find(
    (e) => e.type === 'invoice.paymentRecorded' && e.data.paymentId === p1.body.id,
  )!;
  expect(recorded.data).toMatchObject({ amount: 20_000, currency: 'USD', method: 'check', reference: 'CHK-0042' });

  // The last payment settles it: invoice.paid, and a PDF with the PAID mark.
  const p3 = await api('POST', `/invoices/${draft.id}/payments`, {
    amount: 73_000,
    paidAt: '2026-11-25',
    method: 'card',
  });
  expect(p3.body.invoice.status).toBe('paid');
  await readyAt(draft.id, p3.body.invoice.version);
  expect(await download(`/invoices/${draft.id}/pdf`)).toMatch(/PAID/);
  await poller.drain();
  const all = eventsOf(draft.id).map((e) => e.type);
  expect(all.filter((t) => t === 'invoice.paid')).toHaveLength(1);
  expect(all.filter((t) => t === 'invoice.paymentRecorded')).toHaveLength(3);
});

test("a credit note: its own PDF in the invoice's language and locale, on the invoice's PDF and buyer page, and creditNote.issued once", async () => {
  const draft = (
    await api('POST', '/invoices', {
      contacts: [contactId],
      language: 'de',
      locale: 'de-DE',
      currency: 'EUR',
      lineItems: [{ name: 'Beratung', unitPrice: 100_000, taxRate: 19 }],
    })
  ).body;
  await api('POST', `/invoices/${draft.id}/finalize`);
  const cn = await api('POST', `/invoices/${draft.id}/credit-notes`, {
    amount: 11_900,
    reason: 'Nachlass',
    memo: 'Wie besprochen',
  });
  expect(cn.status).toBe(201);
  expect(cn.body.pdf.status).toBe('pending');
  expect((await api('GET', `/credit-notes/${cn.body.id}/pdf`)).status).toBe(409); // not rendered yet, or just now

  await until(
    'the credit note PDF',
    async () => (await api('GET', `/credit-notes/${cn.body.id}`)).body.pdf.status === 'ready',
  );
  const cnText = await download(`/credit-notes/${cn.body.id}/pdf`);
  expect(cnText).toContain('Gutschrift');
  expect(cnText).toContain(cn.body.number);
  expect(cnText).toContain(draft.number);
  expect(cnText).toContain('Nachlass');
  expect(cnText).toContain('119,00 €');

  await readyAt(draft.id, cn.body.invoice.version);
  const invText = await download(`/invoices/${draft.id}/pdf`);
  expect(invText).toMatch(/GUTSCHRIFTEN/);
  expect(invText).toContain(cn.body.number);
  expect(invText).toMatch(/Gutgeschrieben\s*-119,00 €/);
  expect(invText).toMatch(/O ?ff ?ener Betrag\s*1.071,00 €/); // pdf.js splits the ff ligature
  const page = await fetch(`${stack.baseUrl}/i/${draft.slug}`);
  expect(await page.text()).toContain(cn.body.number);

  await poller.drain();
  const issued = eventsOf(draft.id).filter((e) => e.type === 'creditNote.issued');
  expect(issued).toHaveLength(1);
  expect(issued[0]!.data).toMatchObject({
    creditNoteId: cn.body.id,
    number: cn.body.number,
    total: 11_900,
    refundAmount: 0,
    currency: 'EUR',
  });
});
