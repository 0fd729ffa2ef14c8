import type { Actor } from '../auth/actor.js';
import { mergeMetadata, type Metadata } from '../shared/metadata.js';
import { isCalendarDate, startOfDayInstant, toInstant } from '../dates/calendar.js';
import { fieldError } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { loadInvoice, type InvoiceDeps } from '../invoices/invoice-use-cases.js';
import { assertAllowed, type InvoiceAction } from '../invoices/status-machine.js';
import { applyPayment } from '../money/settlement.js';
import { mutate, RETRY_WITH_JITTER } from '../optimistic.js';
import { getSettings } from '../settings/settings-use-cases.js';
import type { StoredSettings } from '../settings/settings.js';
import type { Payment, PaymentInput, RecordedPaymentMethod } from './payment.js';
import { byUser } from '../audit/history.js';

/** A status change or a new balance means a new PDF; the stream renders it. */
const PDF_PENDING: Invoice['pdf'] = { status: 'pending', sha256: null };

/** A payment date: an instant as given, or a calendar date as the start of that day in the account's zone. */
export function paymentInstant(
  paidAt: string | undefined,
  settings: Pick<StoredSettings, 'timeZone'>,
  now: Date,
): string {
  if (!paidAt) return toInstant(now);
  return isCalendarDate(paidAt) ? startOfDayInstant(paidAt, settings.timeZone) : toInstant(new Date(paidAt));
}

/** Clocks drift: a few minutes ahead is "now", more is a date in the future. */
function assertNotFuture(paidAt: string, now: Date): void {
  if (new Date(paidAt).getTime() > now.getTime() + 5 * 60_000) throw fieldError('paidAt', 'must not be in the future');
}

/**
 * The invoice after a payment. The balance reaching zero settles it: `paid`, with the date of the
 * payment that settled it, and no longer past due.
 */
export function invoiceAfterPayment(current: Invoice, amount: number, paidAt: string, now: string): Invoice {
  const totals = applyPayment(current.totals, amount, current.allowPartialPayments === true);
  const settled = totals.balanceDue === 0;
  return {
    ...current,
    totals,
    ...(settled ? { status: 'paid' as const, paidAt, pastDue: false } : {}),
    pdf: PDF_PENDING,
    version: current.version + 1,
    updatedAt: now,
  };
}

type PaymentRequest = {
  amount: (current: Invoice) => number;
  paidAt: string;
  method: RecordedPaymentMethod;
  reference: string | null;
  action: InvoiceAction;
  metadata?: Metadata;
};

/**
 * Read, decide, write: the decision (status, balance, partial rule) is made on the version read,
 * and the write (payment item + invoice, one transaction) is conditional on that version, so a
 * racing payment makes this one re-read and decide again on the new balance: two payments can
 * never spend the same balance. Contention on one invoice is expected (a batch of payments), so
 * the retry goes on longer than for an edit, with jitter.
 */
async function pay(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  req: PaymentRequest,
  ifMatch?: number,
): Promise<{ invoice: Invoice; payment: Payment | null }> {
  const now = deps.clock.now();
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed(req.action, current.status);
      assertNotFuture(req.paidAt, now);
      const amount = req.amount(current);
      // An open invoice with nothing due (a zero total) is settled without a payment of nothing.
      if (amount === 0) {
        const next: Invoice = {
          ...current,
          status: 'paid',
          paidAt: req.paidAt,
          pastDue: false,
          pdf: PDF_PENDING,
          version: current.version + 1,
          updatedAt: toInstant(now),
        };
        return {
          invoice: await deps.invoices.replace(current, next, byUser(actor, 'paid', next.updatedAt)),
          payment: null,
        };
      }
      const next = invoiceAfterPayment(current, amount, req.paidAt, toInstant(now));
      const payment: Payment = {
        id: deps.ids.id('pay'),
        accountId: actor.accountId,
        invoiceId: current.id,
        amount,
        currency: current.currency,
        paidAt: req.paidAt,
        method: req.method,
        reference: req.reference,
        invoiceVersion: next.version,
        recordedAt: toInstant(now),
        recordedBy: actor.userId,
        metadata: mergeMetadata({}, req.metadata),
      };
      const action = req.action === 'markPaid' ? 'paid' : 'paymentRecorded';
      await deps.ledger.recordPayment(
        current,
        next,
        payment,
        byUser(actor, action, next.updatedAt, { paymentId: payment.id, amount: payment.amount }),
      );
      return { invoice: next, payment };
    },
    RETRY_WITH_JITTER,
  );
}

/** `POST /invoices/{id}/payments`. */
export async function recordPayment(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  input: PaymentInput,
  ifMatch?: number,
): Promise<{ invoice: Invoice; payment: Payment }> {
  const settings = await getSettings(deps, actor.accountId);
  const paidAt = paymentInstant(input.paidAt, settings, deps.clock.now());
  const result = await pay(
    deps,
    actor,
    id,
    {
      amount: () => input.amount,
      paidAt,
      method: input.method,
      reference: input.reference ?? null,
      action: 'recordPayment',
      metadata: input.metadata,
    },
    ifMatch,
  );
  return { invoice: result.invoice, payment: result.payment! };
}

/** `POST /invoices/{id}/mark-paid`: one payment of whatever is still due, which settles the invoice. */
export async function payInFull(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  input: {
    paidAt?: string | undefined;
    method?: RecordedPaymentMethod | undefined;
    reference?: string | null | undefined;
  },
  ifMatch?: number,
): Promise<Invoice> {
  const settings = await getSettings(deps, actor.accountId);
  const paidAt = paymentInstant(input.paidAt, settings, deps.clock.now());
  const request: PaymentRequest = {
    amount: (current) => current.totals.balanceDue,
    paidAt,
    method: input.method ?? 'other',
    reference: input.reference ?? null,
    action: 'markPaid',
  };
  // Paying the whole balance is allowed whatever the partial-payment setting says.
  return (await pay(deps, actor, id, request, ifMatch)).invoice;
}

/** `GET /invoices/{id}/payments`: oldest first. */
export async function listPayments(deps: InvoiceDeps, actor: Actor, id: string): Promise<Payment[]> {
  await loadInvoice(deps, actor, id);
  return deps.ledger.payments(actor.accountId, id);
}
