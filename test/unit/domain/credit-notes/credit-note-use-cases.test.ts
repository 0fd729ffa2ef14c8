import { beforeEach, describe, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import { creditNoteInput } from '../../../../domain/credit-notes/credit-note.js';
import {
  getCreditNote,
  issueCreditNote,
  listCreditNotes,
} from '../../../../domain/credit-notes/credit-note-use-cases.js';
import {
  createInvoice,
  finalizeInvoice,
  markInvoicePaid,
  voidInvoice,
} from '../../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import type { Invoice } from '../../../../domain/invoices/invoice.js';
import { paymentInput } from '../../../../domain/payments/payment.js';
import { recordPayment } from '../../../../domain/payments/payment-use-cases.js';
import { updateSettings } from '../../../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../../../domain/settings/settings-input.js';
import { actorFor, domainError, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';

const ACC = 'acc_1';
let d: InMemoryDeps;
let me: Actor;

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
  me = actorFor(ACC);
});

/** Three lines: 2 × 49.99 at 10% off; 1.5 × 234.56 at 21% tax; 3 × 3.33 at 8.25% tax. */
async function threeLineInvoice(body: Record<string, unknown> = {}): Promise<Invoice> {
  const contact = await seedContact(d, ACC);
  const draft = await createInvoice(
    d.deps,
    me,
    invoiceEditInput.parse({
      contacts: [contact],
      lineItems: [
        { name: 'Design', quantity: 2, unitPrice: 4_999, discount: { type: 'percent', value: 10 } },
        { name: 'Hosting', quantity: 1.5, unitPrice: 23_456, taxRate: 21 },
        { name: 'Support', quantity: 3, unitPrice: 333, taxRate: 8.25 },
      ],
      ...body,
    }),
  );
  return finalizeInvoice(d.deps, me, draft.id);
}
const credit = (id: string, body: Record<string, unknown>) =>
  issueCreditNote(d.deps, me, id, creditNoteInput.parse({ reason: 'Returned', ...body }));
const settle = (body: unknown) =>
  updateSettings({ settings: d.settings, clock: d.clock }, me, settingsInput.parse(body));

describe('issueCreditNote', () => {
  test("for one line of three: the line's amount and tax, to the minor unit; the balance follows; CN-1001 then CN-1002", async () => {
    const inv = await threeLineInvoice();
    // Hosting: 1.5 × 23456 = 35184; tax 21% = 7388.64 → 7389.
    expect(inv.totals).toMatchObject({
      subtotal: 9_998 + 35_184 + 999,
      discount: 1_000,
      tax: 7_389 + 82,
      total: 8_998 + 35_184 + 7_389 + 999 + 82,
    });
    const hosting = inv.lineItems[1]!;
    const first = await credit(inv.id, { lines: [{ lineItemId: hosting.id }] });
    expect(first.creditNote).toMatchObject({
      number: 'CN-1001',
      subtotal: 35_184,
      tax: 7_389,
      total: 42_573,
      appliedToBalance: 42_573,
      refundAmount: 0,
      invoiceNumber: inv.number,
      currency: 'USD',
      language: 'en',
      locale: 'en-US',
    });
    expect(first.invoice.totals).toEqual({
      ...inv.totals,
      creditedAmount: 42_573,
      balanceDue: inv.totals.total - 42_573,
    });
    expect(first.invoice.status).toBe('open');

    const remaining = inv.totals.total - 42_573;
    const over = await domainError(credit(inv.id, { amount: remaining + 1 }));
    expect(over.code).toBe('validation');
    expect(over.errors.map((x) => x.path)).toEqual(['amount']);
    const again = await domainError(credit(inv.id, { lines: [{ lineItemId: hosting.id, amount: 1 }] }));
    expect(again.errors.map((x) => x.path)).toEqual(['lines.0']); // that line is credited in full already

    const second = await credit(inv.id, { lines: [{ lineItemId: inv.lineItems[2]!.id, quantity: 1 }] });
    // 1 × 333, tax 8.25% = 27.47 → 27.
    expect(second.creditNote).toMatchObject({ number: 'CN-1002', subtotal: 333, tax: 27, total: 360 });
    expect(second.invoice.totals).toMatchObject({ creditedAmount: 42_933, balanceDue: inv.totals.total - 42_933 });
    expect((await listCreditNotes(d.deps, me, inv.id)).map((c) => c.number)).toEqual(['CN-1001', 'CN-1002']);
    expect((await getCreditNote(d.deps, me, second.creditNote.id)).total).toBe(360);
    expect((await domainError(getCreditNote(d.deps, actorFor('acc_2'), second.creditNote.id))).code).toBe('not_found');
  });

  test('a credit the balance cannot absorb is owed back; on a paid invoice all of it', async () => {
    const inv = await threeLineInvoice({ allowPartialPayments: true });
    const total = inv.totals.total;
    await recordPayment(
      d.deps,
      me,
      inv.id,
      paymentInput.parse({ amount: total - 1_000, paidAt: '2026-11-27', method: 'card' }),
    );
    const partly = await credit(inv.id, { amount: 1_500 });
    expect(partly.creditNote).toMatchObject({ appliedToBalance: 1_000, refundAmount: 500 });
    expect(partly.invoice).toMatchObject({ status: 'paid', totals: { balanceDue: 0, creditedAmount: 1_500 } });
    const later = await credit(inv.id, { amount: 200 });
    expect(later.creditNote).toMatchObject({ appliedToBalance: 0, refundAmount: 200 });
    expect(later.invoice.totals).toMatchObject({ creditedAmount: 1_700, balanceDue: 0, amountPaid: total - 1_000 });
  });

  test('payments and credits that together settle the balance make the invoice paid', async () => {
    const inv = await threeLineInvoice({ allowPartialPayments: true });
    await credit(inv.id, { amount: 10_000 });
    const { invoice } = await recordPayment(
      d.deps,
      me,
      inv.id,
      paymentInput.parse({ amount: inv.totals.total - 10_000, paidAt: '2026-11-27', method: 'ach' }),
    );
    expect(invoice).toMatchObject({ status: 'paid', totals: { balanceDue: 0 } });
  });

  test('drafts and voided invoices take no credit note', async () => {
    const inv = await threeLineInvoice();
    await voidInvoice(d.deps, me, inv.id);
    expect((await domainError(credit(inv.id, { amount: 1 }))).extra.currentStatus).toBe('voided');
  });

  test('the series follows the settings: own prefix and start number, refused when it would reuse a number', async () => {
    await settle({ creditNotePrefix: 'CR', creditNoteStartNumber: 500 });
    const inv = await threeLineInvoice();
    await markInvoicePaid(d.deps, me, inv.id, {});
    expect((await credit(inv.id, { amount: 100 })).creditNote.number).toBe('CR-500');
    const e = await domainError(settle({ creditNoteStartNumber: 400 }));
    expect(e.errors.map((x) => x.path)).toEqual(['creditNoteStartNumber']);
    expect((await domainError(settle({ creditNotePrefix: 'INV' }))).errors.map((x) => x.path)).toEqual([
      'creditNotePrefix',
    ]);
    // The invoice series is untouched by credit notes.
    expect((await threeLineInvoice()).number).toBe('INV-1002');
  });

  test('lines that do not belong to the invoice, or ask too much of a line, are refused', async () => {
    const inv = await threeLineInvoice();
    const [design] = inv.lineItems;
    expect(
      (await domainError(credit(inv.id, { lines: [{ lineItemId: 'li_nope' }] }))).errors.map((x) => x.path),
    ).toEqual(['lines.0.lineItemId']);
    expect(
      (await domainError(credit(inv.id, { lines: [{ lineItemId: design!.id, quantity: 3 }] }))).errors.map(
        (x) => x.path,
      ),
    ).toEqual(['lines.0.quantity']);
    expect(
      (
        await domainError(credit(inv.id, { lines: [{ lineItemId: design!.id, amount: design!.amount + 1 }] }))
      ).errors.map((x) => x.path),
    ).toEqual(['lines.0.amount']);
    expect(creditNoteInput.safeParse({ reason: 'x', amount: 1, lines: [{ lineItemId: design!.id }] }).success).toBe(
      false,
    );
    expect(creditNoteInput.safeParse({ reason: 'x' }).success).toBe(false);
  });
});
