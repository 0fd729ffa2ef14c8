import { afterAll, beforeAll, expect, test } from 'vitest';
import { parsePdf } from '../../support/pdf-text.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

/**
 * Online payments through the table's stream: the real poller and stream handler (Chromium, S3),
 * the processor emulator delivering signed events to the webhook route.
 */
let s: StreamStack;

beforeAll(async () => {
  s = await startStreamStack('online-payments');
});
afterAll(async () => s?.close());

async function openInvoice(unitPrice: number, extra: Record<string, unknown> = {}) {
  const draft = (
    await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'Work', unitPrice }], ...extra })
  ).body;
  return (await s.api('POST', `/invoices/${draft.id}/finalize`)).body;
}

async function checkout(slug: string): Promise<string> {
  const res = await fetch(`${s.stack.baseUrl}/i/${slug}/checkout`, { method: 'POST', redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('location')!.split('/').pop()!;
}

const emulator = (path: string, body?: string) =>
  fetch(`${s.stack.payments.endpoint}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: 'Bearer sk_test_local', 'content-type': 'application/x-www-form-urlencoded' },
    ...(body !== undefined ? { body } : {}),
  });
const complete = (session: string, method: string) =>
  emulator(`/v1/test_helpers/checkout/sessions/${session}/complete`, `payment_method=${method}`);

const eventsFor = (invoiceId: string) =>
  [
    'payment.succeeded',
    'payment.failed',
    'payment.refunded',
    'payment.disputed',
    'invoice.paid',
    'invoice.paymentRecorded',
  ].flatMap((t) => s.eventsOf(t as never).filter((e) => e.invoiceId === invoiceId));

test('paid by card: payment.succeeded, invoice.paymentRecorded and invoice.paid once each; the PDF is rendered again with the payment', async () => {
  const inv = await openInvoice(12_345);
  await complete(await checkout(inv.slug), 'pm_card_visa');
  const paid = await until('the paid PDF', async () => {
    const i = (await s.api('GET', `/invoices/${inv.id}`)).body;
    return i.status === 'paid' && i.pdf.status === 'ready' && i;
  });
  const link = await s.api('GET', `/invoices/${paid.id}/pdf`);
  const text = (await parsePdf(new Uint8Array(await (await fetch(link.body.url)).arrayBuffer()))).text;
  expect(text).toMatch(/Amount paid\s*\$123\.45/);
  expect(text).toMatch(/PAID/);
  const events = await until('the events', async () => {
    const e = eventsFor(inv.id);
    return e.length >= 3 && e;
  });
  expect(events.map((e) => e.type).sort()).toEqual(['invoice.paid', 'invoice.paymentRecorded', 'payment.succeeded']);
  expect(events.find((e) => e.type === 'payment.succeeded')!.data).toMatchObject({
    amount: 12_345,
    method: 'card',
    source: 'online',
    status: 'succeeded',
  });
});

test('ACH that fails: payment.failed and nothing else; a dispute flags the payment: payment.disputed', async () => {
  const ach = await openInvoice(5_000, { billing: { paymentMethods: ['ach'] } });
  await complete(await checkout(ach.slug), 'pm_usBankAccount_failure');
  await until('payment.failed', async () => eventsFor(ach.id).some((e) => e.type === 'payment.failed'));
  await s.stack.payments.drained();
  expect(eventsFor(ach.id).map((e) => e.type)).toEqual(['payment.failed']);

  const card = await openInvoice(6_000);
  await complete(await checkout(card.slug), 'pm_card_createDispute');
  await until('payment.disputed', async () => eventsFor(card.id).some((e) => e.type === 'payment.disputed'));
  const [p] = (await s.api('GET', `/invoices/${card.id}/payments`)).body.results;
  expect(p.status).toBe('disputed');
});

test('voiding an invoice expires its open checkout: the buyer can no longer pay it', async () => {
  const inv = await openInvoice(7_000);
  const session = await checkout(inv.slug);
  expect((await s.api('POST', `/invoices/${inv.id}/void`)).status).toBe(200);
  await until('the session expired', async () => {
    const res = await emulator(`/v1/checkout/sessions/${session}`);
    return ((await res.json()) as { status: string }).status === 'expired';
  });
  const late = await complete(session, 'pm_card_visa');
  expect(late.status).toBe(400);
  expect((await s.api('GET', `/invoices/${inv.id}`)).body).toMatchObject({
    status: 'voided',
    totals: { amountPaid: 0 },
  });
  expect((await s.api('GET', `/invoices/${inv.id}/payments`)).body.results).toEqual([]);
});

test('a refund: payment.refunded once, though both the API call and the processor charge.refunded event record it', async () => {
  const inv = await openInvoice(8_000);
  await complete(await checkout(inv.slug), 'pm_card_visa');
  await until('paid', async () => (await s.api('GET', `/invoices/${inv.id}`)).body.status === 'paid');
  const [p] = (await s.api('GET', `/invoices/${inv.id}/payments`)).body.results;
  expect((await s.api('POST', `/payments/${p.id}/refund`, { amount: 3_000 })).status).toBe(200);
  await s.stack.payments.drained();
  await until('payment.refunded', async () => eventsFor(inv.id).some((e) => e.type === 'payment.refunded'));
  expect(eventsFor(inv.id).filter((e) => e.type === 'payment.refunded')).toHaveLength(1);
});

test('a recorded payment refunded, then voided: payment.refunded and payment.voided once each, with the time of each', async () => {
  const inv = await openInvoice(6_000, { allowPartialPayments: true });
  const rec = await s.api('POST', `/invoices/${inv.id}/payments`, {
    amount: 6_000,
    paidAt: '2026-11-20',
    method: 'check',
  });
  expect(rec.status).toBe(201);
  const refund = await s.api('POST', `/payments/${rec.body.id}/refund`, { amount: 1_000 });
  expect(refund.status).toBe(200);
  expect((await s.api('POST', `/payments/${rec.body.id}/void`)).status).toBe(200);
  const of = (type: string) => s.eventsOf(type as never).filter((e) => e.invoiceId === inv.id);
  await until('payment.voided', async () => of('payment.voided').length > 0);
  await until('payment.refunded', async () => of('payment.refunded').length > 0);
  expect(of('payment.refunded')).toHaveLength(1);
  expect(of('payment.voided')).toHaveLength(1);
  expect(of('payment.refunded')[0]!.data).toMatchObject({
    paymentId: rec.body.id,
    source: 'recorded',
    refundedAmount: 1_000,
  });
  expect(of('payment.voided')[0]!.data).toMatchObject({ paymentId: rec.body.id, status: 'voided' });
  // Each event has the time of its own change, not the time the payment was recorded.
  expect(refund.body.refundedAt).toBeDefined();
  expect(of('payment.refunded')[0]!.occurredAt).toBe(refund.body.refundedAt);
  expect(of('payment.voided')[0]!.occurredAt).toBe(of('payment.voided')[0]!.data.voidedAt);
});
