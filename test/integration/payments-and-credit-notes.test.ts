import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
let api: ReturnType<typeof client>;
let contactId: string;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
});
afterAll(async () => stack?.close());

async function openInvoice(body: Record<string, unknown>) {
  const draft = await api('POST', '/invoices', { contacts: [contactId], ...body });
  expect(draft.status).toBe(201);
  const open = await api('POST', `/invoices/${draft.body.id}/finalize`);
  expect(open.status).toBe(200);
  return open.body;
}
const pay = (id: string, amount: number, extra: Record<string, unknown> = {}) =>
  api('POST', `/invoices/${id}/payments`, { amount, paidAt: '2026-11-20', method: 'bankTransfer', ...extra });

describe('payments', () => {
  test.each([
    ['USD', 10_000, [3_333, 3_333, 3_334]],
    ['JPY', 12_345, [5_000, 5_000, 2_345]],
  ] as const)(
    'partial payments allowed, %s: three payments settle exactly; a fourth is 409',
    async (currency, unitPrice, amounts) => {
      const inv = await openInvoice({ currency, allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice }] });
      let due = unitPrice;
      for (const [i, amount] of amounts.entries()) {
        const res = await pay(inv.id, amount, { paidAt: `2026-11-2${i}T10:00:00Z`, reference: `R${i}` });
        expect(res.status).toBe(201);
        due -= amount;
        expect(res.body).toMatchObject({
          amount,
          currency,
          method: 'bankTransfer',
          reference: `R${i}`,
          invoiceId: inv.id,
        });
        expect(res.body.accountId).toBeUndefined();
        expect(res.body.invoice.totals).toMatchObject({
          total: unitPrice,
          amountPaid: unitPrice - due,
          balanceDue: due,
          creditedAmount: 0,
        });
      }
      const paid = (await api('GET', `/invoices/${inv.id}`)).body;
      expect(paid).toMatchObject({
        status: 'paid',
        paidAt: '2026-11-22T10:00:00Z',
        pastDue: false,
        totals: { amountPaid: unitPrice, balanceDue: 0 },
      });
      const fourth = await pay(inv.id, 1);
      expect(fourth.status).toBe(409);
      expect(fourth.body.currentStatus).toBe('paid');
      const list = await api('GET', `/invoices/${inv.id}/payments`);
      expect(list.status).toBe(200);
      expect(list.body.results.map((p: { amount: number }) => p.amount)).toEqual([...amounts]);
    },
  );

  test('partial payments not allowed (the default): a payment below the balance is 422; above it 422; the balance 201', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 5_000 }] });
    expect(inv.allowPartialPayments).toBe(false);
    const below = await pay(inv.id, 4_999);
    expect(below.status).toBe(422);
    expect(below.body.errors.map((e: { path: string }) => e.path)).toEqual(['amount']);
    expect((await pay(inv.id, 5_001)).status).toBe(422);
    expect((await pay(inv.id, 5_000)).body.invoice.status).toBe('paid');
  });

  test('a voided invoice takes no payment (409); a bad method is 422', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 5_000 }] });
    expect((await pay(inv.id, 5_000, { method: 'bitcoin' })).status).toBe(422);
    await api('POST', `/invoices/${inv.id}/void`);
    const res = await pay(inv.id, 5_000);
    expect(res.status).toBe(409);
    expect(res.body.currentStatus).toBe('voided');
  });

  test('20 concurrent payments of 10% each: exactly 10 succeed, the balance is zero, the invoice paid', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 100_000 }] });
    const results = await Promise.all(Array.from({ length: 20 }, () => pay(inv.id, 10_000)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    // The losers saw the invoice settled (409) or, deciding just before, a balance too small (422).
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409 || s === 422)).toBe(true);
    const after = (await api('GET', `/invoices/${inv.id}`)).body;
    expect(after).toMatchObject({ status: 'paid', totals: { amountPaid: 100_000, balanceDue: 0 } });
    expect((await api('GET', `/invoices/${inv.id}/payments`)).body.results).toHaveLength(10);
  });

  test('mark-paid records one payment of the remaining balance', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 8_000 }] });
    await pay(inv.id, 3_000);
    const paid = await api('POST', `/invoices/${inv.id}/mark-paid`, { paidAt: '2026-11-21T08:00:00Z' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      status: 'paid',
      paidAt: '2026-11-21T08:00:00Z',
      totals: { amountPaid: 8_000, balanceDue: 0 },
    });
    const payments = (await api('GET', `/invoices/${inv.id}/payments`)).body.results;
    expect(payments.map((p: { amount: number; method: string }) => [p.amount, p.method])).toEqual([
      [3_000, 'bankTransfer'],
      [5_000, 'other'],
    ]);
  });
});

describe('credit notes', () => {
  test('one line of a three-line invoice: totals to the minor unit; over the remaining creditable amount is 422; CN-1001, CN-1002', async () => {
    const account = api;
    const acc2 = client(stack.baseUrl, await stack.token(uniqueAccount()));
    const contact = (await acc2('POST', '/contacts', { firstName: 'Grace' })).body.id;
    const draft = await acc2('POST', '/invoices', {
      contacts: [contact],
      lineItems: [
        { name: 'Design', quantity: 2, unitPrice: 4_999, discount: { type: 'percent', value: 10 } },
        { name: 'Hosting', quantity: 1.5, unitPrice: 23_456, taxRate: 21 },
        { name: 'Support', quantity: 3, unitPrice: 333, taxRate: 8.25 },
      ],
    });
    const inv = (await acc2('POST', `/invoices/${draft.body.id}/finalize`)).body;
    // 8998 + 35184 + 7389 (21% of 35184 = 7388.64) + 999 + 82 (8.25% of 999 = 82.4175)
    expect(inv.totals).toEqual({
      subtotal: 46_181,
      discount: 1_000,
      tax: 7_471,
      total: 52_652,
      amountPaid: 0,
      creditedAmount: 0,
      balanceDue: 52_652,
    });

    const first = await acc2('POST', `/invoices/${inv.id}/credit-notes`, {
      lines: [{ lineItemId: inv.lineItems[1].id }],
      reason: 'Hosting not delivered',
      memo: 'Sorry',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      number: 'CN-1001',
      subtotal: 35_184,
      tax: 7_389,
      total: 42_573,
      appliedToBalance: 42_573,
      refundAmount: 0,
      invoiceNumber: inv.number,
      reason: 'Hosting not delivered',
      memo: 'Sorry',
    });
    expect(first.body.lines).toEqual([
      { lineItemId: inv.lineItems[1].id, description: 'Hosting', quantity: 1.5, amount: 35_184, tax: 7_389 },
    ]);
    expect(first.body.invoice.totals).toEqual({
      subtotal: 46_181,
      discount: 1_000,
      tax: 7_471,
      total: 52_652,
      amountPaid: 0,
      creditedAmount: 42_573,
      balanceDue: 10_079,
    });

    const over = await acc2('POST', `/invoices/${inv.id}/credit-notes`, { amount: 10_080, reason: 'Too much' });
    expect(over.status).toBe(422);
    expect(over.body.errors.map((e: { path: string }) => e.path)).toEqual(['amount']);

    const second = await acc2('POST', `/invoices/${inv.id}/credit-notes`, { amount: 79, reason: 'Rounding goodwill' });
    expect(second.status).toBe(201);
    expect(second.body.number).toBe('CN-1002');
    expect(second.body.invoice.totals).toMatchObject({ creditedAmount: 42_652, balanceDue: 10_000 });

    const listed = await acc2('GET', `/invoices/${inv.id}/credit-notes`);
    expect(listed.body.results.map((c: { number: string }) => c.number)).toEqual(['CN-1001', 'CN-1002']);
    const one = await acc2('GET', `/credit-notes/${first.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: first.body.id, number: 'CN-1001', total: 42_573 });
    expect((await account('GET', `/credit-notes/${first.body.id}`)).status).toBe(404); // another account's
  });

  test('on a paid invoice a credit note records the refund owed; drafts and voided invoices take none', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 6_000 }] });
    await api('POST', `/invoices/${inv.id}/mark-paid`, {});
    const cn = await api('POST', `/invoices/${inv.id}/credit-notes`, {
      amount: 1_500,
      reason: 'Discount agreed later',
    });
    expect(cn.status).toBe(201);
    expect(cn.body).toMatchObject({ total: 1_500, appliedToBalance: 0, refundAmount: 1_500 });
    expect(cn.body.invoice).toMatchObject({
      status: 'paid',
      totals: { amountPaid: 6_000, creditedAmount: 1_500, balanceDue: 0 },
    });

    const voided = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 6_000 }] });
    await api('POST', `/invoices/${voided.id}/void`);
    expect((await api('POST', `/invoices/${voided.id}/credit-notes`, { amount: 1, reason: 'x' })).status).toBe(409);
    const draft = await api('POST', '/invoices', { lineItems: [{ name: 'Work', unitPrice: 6_000 }] });
    expect((await api('POST', `/invoices/${draft.body.id}/credit-notes`, { amount: 1, reason: 'x' })).status).toBe(409);
  });

  test('settings: credit note prefix and start number; a start number that would reuse a number is 422', async () => {
    const own = client(stack.baseUrl, await stack.token(uniqueAccount()));
    const settings = await own('GET', '/settings/invoices');
    expect(settings.body).toMatchObject({
      allowPartialPayments: false,
      creditNotePrefix: 'CN',
      creditNoteStartNumber: 1001,
    });
    expect((await own('PUT', '/settings/invoices', { creditNotePrefix: 'CR', creditNoteStartNumber: 7 })).status).toBe(
      200,
    );
    const contact = (await own('POST', '/contacts', { firstName: 'Lin' })).body.id;
    const draft = await own('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'A', unitPrice: 900 }] });
    await own('POST', `/invoices/${draft.body.id}/finalize`);
    expect(
      (await own('POST', `/invoices/${draft.body.id}/credit-notes`, { amount: 100, reason: 'x' })).body.number,
    ).toBe('CR-7');
    const refused = await own('PUT', '/settings/invoices', { creditNoteStartNumber: 5 });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['creditNoteStartNumber']);
  });
});
