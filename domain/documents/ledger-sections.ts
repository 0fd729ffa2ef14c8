import type { CreditNote } from '../credit-notes/credit-note.js';
import type { Invoice } from '../invoices/invoice.js';
import { credited } from '../money/settlement.js';
import { countedAmount, type Payment } from '../payments/payment.js';
import { escapeHtml as esc } from './html.js';
import type { Catalog } from './i18n/catalogs.js';
import type { LocaleFormat } from './locale-format.js';

/**
 * What credit notes left owed back to the buyer, from the totals alone: the balance due is
 * total − paid − credited + refunds (domain/money/settlement.ts), so refunds follow from the rest.
 */
export function refundOwed(t: Invoice['totals']): number {
  return Math.max(0, t.balanceDue - t.total + t.amountPaid + credited(t));
}

/** Instants print as their calendar day (UTC): the same day the API returns in `paidAt`. */
const day = (instant: string) => instant.slice(0, 10);

/** The payments and credit notes recorded against the invoice, for its PDF, page and preview. */
export function ledgerSections(
  view: { payments?: Payment[] | undefined; creditNotes?: CreditNote[] | undefined },
  t: Catalog,
  f: LocaleFormat,
): string {
  const parts: string[] = [];
  // What counts toward the invoice now: not a pending or failed debit, a voided entry or what was refunded.
  const payments = (view.payments ?? []).filter((p) => countedAmount(p) > 0);
  if (payments.length) {
    const rows = payments.map(
      (p) =>
        `<tr><td>${esc(f.date(day(p.paidAt)))}</td><td>${esc(t.recordedMethod[p.method])}</td><td>${esc(p.reference ?? '')}</td><td class="num">${esc(f.money(countedAmount(p)))}</td></tr>`,
    );
    parts.push(`<section class="ledger payments"><h2>${esc(t.payments)}</h2><table class="items">
<thead><tr><th>${esc(t.paymentDate)}</th><th>${esc(t.paymentMethodColumn)}</th><th>${esc(t.reference)}</th><th class="num">${esc(t.amount)}</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`);
  }
  if (view.creditNotes?.length) {
    const rows = view.creditNotes.map(
      (c) =>
        `<tr><td>${esc(c.number)}</td><td>${esc(f.date(day(c.issuedAt)))}</td><td>${esc(c.reason)}</td><td class="num">${esc(f.money(c.total))}</td></tr>`,
    );
    parts.push(`<section class="ledger credit-notes"><h2>${esc(t.creditNotes)}</h2><table class="items">
<thead><tr><th>${esc(t.creditNoteNumber)}</th><th>${esc(t.issuedOn)}</th><th>${esc(t.reason)}</th><th class="num">${esc(t.amount)}</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`);
  }
  return parts.join('\n');
}
