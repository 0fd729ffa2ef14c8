import { createHash } from 'node:crypto';
import type { Company, Contact } from '../crm/records.js';
import { eventsFor, type EventPublisher, type InvoiceEvent } from '../events/invoice-events.js';
import type { Invoice } from '../invoices/invoice.js';
import type { CompanyStore, ContactStore, DocumentStore, Mailer, PdfRecordStore, PdfRenderer } from '../ports.js';
import { invoiceEmail } from '../mail/invoice-emails.js';
import {
  ledgerAt,
  NO_MONEY_MOVED,
  pdfContent,
  type LedgerSideEffectDeps,
  type LedgerView,
} from './ledger-side-effects.js';

/** Remembers which events went out, so a replayed stream record publishes nothing again. */
export interface PublishedEvents {
  has(event: InvoiceEvent): Promise<boolean>;
  add(event: InvoiceEvent): Promise<void>;
}

/**
 * Sets the invoice's `pdf` to ready without a new version (it is a derived fact, not an edit), and
 * only while the invoice still has the status the PDF was rendered for.
 */
export interface InvoicePdfState {
  markReady(invoice: Invoice, sha256: string): Promise<void>;
}

/** How an invoice becomes a document: the shared template, the paper size and the S3 key. */
export type InvoiceDocuments = {
  html(invoice: Invoice, parties: { contacts: Contact[]; company: Company | null } & LedgerView): string;
  format(invoice: Invoice): 'A4' | 'Letter';
  key(invoice: Invoice): string;
};

export type SideEffectDeps = {
  events: EventPublisher;
  published: PublishedEvents;
  pdfRecords: PdfRecordStore;
  pdfState: InvoicePdfState;
  documents: DocumentStore;
  renderer: PdfRenderer;
  templates: InvoiceDocuments;
  contacts: ContactStore;
  companies: CompanyStore;
  /** Payments and credit notes, printed on the invoice; and the credit notes' own documents (ledger-side-effects.ts). */
  ledger?: LedgerSideEffectDeps;
  /** Closes the processor's open checkouts of an invoice that takes no more payments (voided or paid). */
  checkouts?: { expireOpen(accountId: string, invoiceId: string): Promise<number> };
  /** Where a paid invoice's receipt goes out (to its contacts with an address, in its language). */
  receipts?: { mailer: Mailer; publicBaseUrl: string };
};

export type SideEffectResult = { published: InvoiceEvent[]; rendered: boolean };

/**
 * What one change of an invoice sets off: the contract's events, and a PDF for every status an
 * invoice reaches after draft (open, then paid or voided with its mark). Safe to run twice for the
 * same change: events already published are skipped, and a PDF already rendered for this status
 * is reused rather than rendered again. The writes it makes (the `pdf` field) carry no new
 * version, so they set nothing off in turn.
 */
export async function applySideEffects(
  deps: SideEffectDeps,
  oldImage: Invoice | null,
  newImage: Invoice | null,
): Promise<SideEffectResult> {
  const rendered = newImage ? await ensurePdf(deps, newImage) : false;
  const published: InvoiceEvent[] = [];
  for (const event of eventsFor(oldImage, newImage)) {
    if (await deps.published.has(event)) continue;
    await deps.events.publish([event]);
    // The receipt rides on the paid event's mark: sent before the mark, so a crash repeats it, never loses it.
    if (event.type === 'invoice.paid' && newImage && deps.receipts) await sendReceipt(deps, deps.receipts, newImage);
    await deps.published.add(event); // after publishing: a crash in between repeats, never loses
    published.push(event);
  }
  return { published, rendered };
}

/** A receipt to each contact of the invoice that has an address, with the amount paid and the date. */
async function sendReceipt(
  deps: Pick<SideEffectDeps, 'contacts'>,
  receipts: NonNullable<SideEffectDeps['receipts']>,
  invoice: Invoice,
): Promise<void> {
  const contacts = await Promise.all(invoice.contacts.map((id) => deps.contacts.get(invoice.accountId, id)));
  for (const contact of contacts) {
    // An invoice becomes paid once: a replayed record names the same message, which the outbox writes once.
    if (contact?.email)
      await receipts.mailer.send({
        ...invoiceEmail({ kind: 'receipt' }, invoice, contact, receipts.publicBaseUrl),
        idempotencyKey: `receipt-${invoice.id}-${contact.id}`,
      });
  }
}

async function ensurePdf(deps: SideEffectDeps, invoice: Invoice): Promise<boolean> {
  if (invoice.status === 'draft' || (invoice.pdf.status === 'ready' && invoice.pdf.sha256)) return false;
  const existing = await deps.pdfRecords.get(invoice.accountId, invoice.id);
  // A stale record replayed after the invoice moved on: its PDF would be for a status long left.
  if (existing && existing.version > invoice.version) return false;
  // A status is never left and re-entered, and within one what is printed changes only with the
  // money (payments, credit notes: `content`), so a PDF rendered for this status and money is the
  // one: a replayed record, or a later write (`sentAt`) that carried an older `pending` mark, only
  // needs the ready mark set again.
  const content = pdfContent(invoice);
  if (existing && existing.status === invoice.status && (existing.content ?? NO_MONEY_MOVED) === content) {
    await deps.pdfState.markReady(invoice, existing.sha256);
    return false;
  }
  const [contacts, company] = await Promise.all([
    Promise.all(invoice.contacts.map((id) => deps.contacts.get(invoice.accountId, id))),
    invoice.company ? deps.companies.get(invoice.accountId, invoice.company) : Promise.resolve(null),
  ]);
  const ledger = deps.ledger ? await ledgerAt(deps.ledger.store, invoice) : {};
  const html = deps.templates.html(invoice, {
    contacts: contacts.filter((c): c is Contact => c !== null),
    company,
    ...ledger,
  });
  const pdf = await deps.renderer.render(html, { format: deps.templates.format(invoice) });
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const key = deps.templates.key(invoice);
  await deps.documents.put(key, pdf, 'application/pdf', { issued: true });
  await deps.pdfRecords.put(
    invoice.accountId,
    invoice.id,
    { key, sha256, status: invoice.status, version: invoice.version, content },
    { number: invoice.number },
  );
  await deps.pdfState.markReady(invoice, sha256);
  return true;
}
