import { createHash } from 'node:crypto';
import type { Company, Contact } from '../crm/records.js';
import type { CreditNote } from '../credit-notes/credit-note.js';
import type { InvoiceEvent } from '../events/invoice-events.js';
import type { Invoice } from '../invoices/invoice.js';
import { credited } from '../money/settlement.js';
import type { Payment } from '../payments/payment.js';
import type { Reminder } from '../reminders/reminder.js';
import type { InvoiceStore, LedgerStore } from '../ports.js';
import { issuedLogoDataUrl } from '../settings/seller-logo.js';
import type { DocumentDeps, SideEffectDeps, SideEffectResult } from './invoice-side-effects.js';

/** What an invoice's documents print besides the invoice: its payments and credit notes. */
export type LedgerView = { payments?: Payment[]; creditNotes?: CreditNote[] };

/**
 * The money an invoice's PDF shows, as a fingerprint. Within one status only payments and credit
 * notes change the PDF, and each moves `amountPaid` or `creditedAmount` up (never down), so the pair
 * tells one rendering from the next; the PdfRecord keeps it beside the status it was rendered for.
 */
export const pdfContent = (invoice: Invoice): string => `${invoice.totals.amountPaid}/${credited(invoice.totals)}`;

/** The fingerprint of a PDF recorded before payments existed: nothing had moved then. */
export const NO_MONEY_MOVED = '0/0';

/**
 * The payments and credit notes invoice version N knew about. Each was written with the version it
 * produced, and the stream may read them after later ones landed; filtering keeps the list in step
 * with the totals printed beside it.
 */
export async function ledgerAt(
  store: Pick<LedgerStore, 'payments' | 'creditNotes'>,
  invoice: Invoice,
): Promise<Required<LedgerView>> {
  const [payments, creditNotes] = await Promise.all([
    store.payments(invoice.accountId, invoice.id),
    store.creditNotes(invoice.accountId, invoice.id),
  ]);
  return {
    payments: payments.filter((p) => p.invoiceVersion <= invoice.version),
    creditNotes: creditNotes.filter((c) => c.invoiceVersion <= invoice.version),
  };
}

/** How a credit note becomes a document (domain/documents/credit-note-documents.ts). */
export type CreditNoteDocuments = {
  html(
    creditNote: CreditNote,
    invoice: Invoice | null,
    /** `logo`: the seller's logo as a data URL, the one the invoice was issued with. */
    parties: { contacts: Contact[]; company: Company | null; logo: string | null },
  ): string;
  format(creditNote: CreditNote): 'A4' | 'Letter';
  key(creditNote: CreditNote): string;
};

export type LedgerSideEffectDeps = {
  store: LedgerStore;
  invoices: Pick<InvoiceStore, 'get'>;
  creditNoteDocuments: CreditNoteDocuments;
};

/** Publishes each event not yet marked as published, then marks it: a crash in between repeats, never loses. */
export async function publishOnce(
  deps: Pick<SideEffectDeps, 'events' | 'published'>,
  events: InvoiceEvent[],
): Promise<InvoiceEvent[]> {
  const out: InvoiceEvent[] = [];
  for (const event of events) {
    if (await deps.published.has(event)) continue;
    await deps.events.publish([event]);
    await deps.published.add(event);
    out.push(event);
  }
  return out;
}

/**
 * Event ids follow the invoice events' scheme (invoice and version): each payment or credit note
 * produced exactly one invoice version, so a replayed record yields the same id and is dropped.
 */
const eventId = (invoiceId: string, version: number, kind: string) => `evt_${invoiceId}_${version}_${kind}`;

/** A new payment item: `invoice.paymentRecorded`. (The invoice's own record brings `invoice.paid` and the PDF.) */
export async function paymentSideEffects(deps: SideEffectDeps, payment: Payment): Promise<SideEffectResult> {
  const event: InvoiceEvent = {
    id: eventId(payment.invoiceId, payment.invoiceVersion, 'paymentRecorded'),
    type: 'invoice.paymentRecorded',
    accountId: payment.accountId,
    invoiceId: payment.invoiceId,
    occurredAt: payment.recordedAt,
    data: {
      paymentId: payment.id,
      amount: payment.amount,
      currency: payment.currency,
      paidAt: payment.paidAt,
      method: payment.method,
      reference: payment.reference,
      version: payment.invoiceVersion,
    },
  };
  return { published: await publishOnce(deps, [event]), rendered: false };
}

/** A new reminder item: `invoice.reminderSent` (its email went out when the reminder was claimed). */
export async function reminderSideEffects(deps: SideEffectDeps, reminder: Reminder): Promise<SideEffectResult> {
  const event: InvoiceEvent = {
    id: eventId(reminder.invoiceId, reminder.invoiceVersion, 'reminderSent'),
    type: 'invoice.reminderSent',
    accountId: reminder.accountId,
    invoiceId: reminder.invoiceId,
    occurredAt: reminder.sentAt,
    data: {
      reminderId: reminder.id,
      trigger: reminder.trigger,
      step: reminder.step,
      recipients: reminder.recipients.length,
      language: reminder.language,
      balanceDue: reminder.balanceDue,
      currency: reminder.currency,
      dueDate: reminder.dueDate,
      version: reminder.invoiceVersion,
    },
  };
  return { published: await publishOnce(deps, [event]), rendered: false };
}

/**
 * A new credit note item: its PDF (rendered once: the note never changes, so a replay finds it
 * ready and renders nothing) and `creditNote.issued`.
 */
export async function creditNoteSideEffects(deps: SideEffectDeps, creditNote: CreditNote): Promise<SideEffectResult> {
  let rendered = false;
  let queued = false;
  if (deps.ledger && deps.renders) {
    await deps.renders.enqueue([{ kind: 'creditNote', creditNote }]);
    queued = true;
  } else if (deps.ledger) rendered = await ensureCreditNotePdf(deps, deps.ledger, creditNote);
  const event: InvoiceEvent = {
    id: eventId(creditNote.invoiceId, creditNote.invoiceVersion, 'creditNoteIssued'),
    type: 'creditNote.issued',
    accountId: creditNote.accountId,
    invoiceId: creditNote.invoiceId,
    occurredAt: creditNote.issuedAt,
    data: {
      creditNoteId: creditNote.id,
      number: creditNote.number,
      invoiceNumber: creditNote.invoiceNumber,
      total: creditNote.total,
      appliedToBalance: creditNote.appliedToBalance,
      refundAmount: creditNote.refundAmount,
      currency: creditNote.currency,
      version: creditNote.invoiceVersion,
    },
  };
  return { published: await publishOnce(deps, [event]), rendered, ...(queued ? { queued } : {}) };
}

/** A credit note's PDF, once (run inline by the stream consumer, or by the renderer function for a queued job). */
export async function ensureCreditNotePdf(
  deps: DocumentDeps,
  ledger: LedgerSideEffectDeps,
  image: CreditNote,
): Promise<boolean> {
  const current = await ledger.store.getCreditNote(image.accountId, image.id);
  if (!current || current.pdf.status === 'ready') return false;
  const invoice = await ledger.invoices.get(current.accountId, current.invoiceId);
  const [contacts, company, logo] = await Promise.all([
    Promise.all((invoice?.contacts ?? []).map((id) => deps.contacts.get(current.accountId, id))),
    invoice?.company ? deps.companies.get(current.accountId, invoice.company) : Promise.resolve(null),
    // As on the invoice's own PDF: the seller and logo it was issued with.
    invoice ? issuedLogoDataUrl(deps.logos, invoice) : Promise.resolve(null),
  ]);
  const docs = ledger.creditNoteDocuments;
  const html = docs.html(current, invoice, {
    contacts: contacts.filter((c): c is Contact => c !== null),
    company,
    logo,
  });
  const pdf = await deps.renderer.render(html, { format: docs.format(current) });
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  await deps.documents.put(docs.key(current), pdf, 'application/pdf', { issued: true });
  await ledger.store.markCreditNotePdfReady(current, sha256, docs.key(current));
  return true;
}
