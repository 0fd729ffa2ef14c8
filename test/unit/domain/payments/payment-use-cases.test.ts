import { beforeEach, describe, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import { testChange } from '../../../support/audit-change.js';
import {
  createInvoice,
  finalizeInvoice,
  markInvoicePaid,
  voidInvoice,
} from '../../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import { paymentInput } from '../../../../domain/payments/payment.js';
import { listPayments, recordPayment } from '../../../../domain/payments/payment-use-cases.js';
import { updateSettings } from '../../../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../../../domain/settings/settings-input.js';
import { actorFor, domainError, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';

const ACC = 'acc_1';
const NOW = '2026-11-27T15:00:00Z';
let d: InMemoryDeps;
let me: Actor;

beforeEach(() => {
  d = inMemoryDeps(NOW);
  me = actorFor(ACC);
});

async function openInvoice(body: Record<string, unknown>) {
  const contact = await seedContact(d, ACC);
  const draft = await createInvoice(d.deps, me, invoiceEditInput.parse({ contacts: [contact], ...body }));
  return finalizeInvoice(d.deps, me, draft.id);
}
const pay = (id: string, body: Record<string, unknown>) =>
  recordPayment(d.deps, me, id, paymentInput.parse({ paidAt: '2026-11-20', method: 'bankTransfer', ...body }));

describe('partial payments allowed', () => {
  test.each([
    ['USD', 10_000, [3_333, 3_333, 3_334]],
    ['JPY', 12_345, [5_000, 5_000, 2_345]],
  ] as const)(
    '%s: three payments settle the invoice exactly; a fourth is a conflict',
    async (currency, unitPrice, amounts) => {
      const inv = await openInvoice({ currency, allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice }] });
      let last;
      for (const [i, amount] of amounts.entries()) {
        d.clock.advance(60_000);
        last = await pay(inv.id, { amount, paidAt: `2026-11-2${i}` });
        expect(last.payment).toMatchObject({
          amount,
          currency,
          invoiceVersion: last.invoice.version,
          method: 'bankTransfer',
        });
      }
      expect(last!.invoice).toMatchObject({
        status: 'paid',
        paidAt: '2026-11-22T05:00:00Z',
        pastDue: false,
        totals: { total: unitPrice, amountPaid: unitPrice, balanceDue: 0 },
      });
      const fourth = await domainError(pay(inv.id, { amount: 1 }));
      expect(fourth.code).toBe('conflict');
      expect(fourth.extra.currentStatus).toBe('paid');
      expect((await listPayments(d.deps, me, inv.id)).map((p) => p.amount)).toEqual([...amounts]);
    },
  );

  test('a payment above the balance due is refused and changes nothing', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    await pay(inv.id, { amount: 600 });
    const e = await domainError(pay(inv.id, { amount: 401 }));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['amount']);
    expect((await d.invoices.get(ACC, inv.id))!.totals).toMatchObject({ amountPaid: 600, balanceDue: 400 });
    expect(await listPayments(d.deps, me, inv.id)).toHaveLength(1);
  });

  test('the setting gives new invoices their default', async () => {
    await updateSettings(
      { settings: d.settings, clock: d.clock },
      me,
      settingsInput.parse({ allowPartialPayments: true }),
    );
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    expect(inv.allowPartialPayments).toBe(true);
    expect((await pay(inv.id, { amount: 1 })).invoice.totals.balanceDue).toBe(999);
  });
});

describe('partial payments not allowed (the default)', () => {
  test('a payment below the balance is refused; the whole balance settles it', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    expect(inv.allowPartialPayments).toBe(false);
    const e = await domainError(pay(inv.id, { amount: 999 }));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['amount']);
    expect((await pay(inv.id, { amount: 1_000 })).invoice.status).toBe('paid');
  });
});

describe('status rules', () => {
  test('a voided invoice and a draft take no payment', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    await voidInvoice(d.deps, me, inv.id);
    expect((await domainError(pay(inv.id, { amount: 1_000 }))).extra.currentStatus).toBe('voided');
    const draft = await createInvoice(
      d.deps,
      me,
      invoiceEditInput.parse({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] }),
    );
    expect((await domainError(pay(draft.id, { amount: 1_000 }))).code).toBe('conflict');
  });

  test('a future payment date is refused', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    expect((await domainError(pay(inv.id, { amount: 1_000, paidAt: '2026-12-01' }))).errors.map((x) => x.path)).toEqual(
      ['paidAt'],
    );
  });

  test('a settled past-due invoice is no longer past due', async () => {
    const inv = await openInvoice({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    const stored = (await d.invoices.get(ACC, inv.id))!;
    await d.invoices.replace(
      stored,
      { ...stored, pastDue: true, version: stored.version + 1 },
      testChange('flaggedPastDue'),
    );
    expect((await pay(inv.id, { amount: 1_000 })).invoice.pastDue).toBe(false);
  });
});

describe('mark-paid', () => {
  test('records one payment of the remaining balance', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    await pay(inv.id, { amount: 250 });
    const paid = await markInvoicePaid(d.deps, me, inv.id, {
      paidAt: '2026-11-26T10:00:00Z',
      method: 'check',
      reference: 'CHK 12',
    });
    expect(paid).toMatchObject({
      status: 'paid',
      paidAt: '2026-11-26T10:00:00Z',
      totals: { amountPaid: 1_000, balanceDue: 0 },
    });
    expect((await listPayments(d.deps, me, inv.id)).map((p) => [p.amount, p.method, p.reference])).toEqual([
      [250, 'bankTransfer', null],
      [750, 'check', 'CHK 12'],
    ]);
  });
});

describe('concurrency', () => {
  test('a payment that loses a race re-reads and is decided on the new balance', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
    // Another payment of 700 lands between our read and our write.
    d.invoices.interleave((s) => ({ totals: { ...s.totals, amountPaid: 700, balanceDue: 300 } }));
    const e = await domainError(pay(inv.id, { amount: 500 }));
    expect(e.code).toBe('validation'); // 500 > the 300 now due
    expect(await listPayments(d.deps, me, inv.id)).toEqual([]);
    expect((await d.invoices.get(ACC, inv.id))!.totals).toMatchObject({ amountPaid: 700, balanceDue: 300 });
  });

  test('twenty concurrent payments of a tenth each: exactly ten are recorded', async () => {
    const inv = await openInvoice({ allowPartialPayments: true, lineItems: [{ name: 'Work', unitPrice: 10_000 }] });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => pay(inv.id, { amount: 1_000 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({
      status: 'paid',
      totals: { amountPaid: 10_000, balanceDue: 0 },
    });
    expect(await listPayments(d.deps, me, inv.id)).toHaveLength(10);
  });
});
