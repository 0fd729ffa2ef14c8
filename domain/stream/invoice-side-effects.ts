import { createHash } from 'node:crypto';
import type { Company, Contact } from '../crm/records.js';
import { eventsFor, type EventPublisher, type InvoiceEvent } from '../events/invoice-events.js';
import type { Invoice } from '../invoices/invoice.js';
import type {
  CompanyStore,
  ContactStore,
  DocumentStore,
  EinvoiceRecordStore,
  FacturxEmbedder,
  Mailer,
  PdfRecordStore,
  PdfRenderer,
  ReminderIndex,
  SettingsStore,
} from '../ports.js';
import { invoiceEmail } from '../mail/invoice-emails.js';
import { DomainError } from '../errors.js';
import { invoiceEinvoice } from '../einvoice/einvoice-document.js';
import { toUbl } from '../einvoice/ubl.js';
import { toCii } from '../einvoice/cii.js';
import type { RenderQueue } from './render-jobs.js';
import { emailLogo, issuedLogoDataUrl } from '../settings/seller-logo.js';
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
  html(
    invoice: Invoice,
    parties: { contacts: Contact[]; company: Company | null; logo?: string | null } & LedgerView,
  ): string;
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
  /** Where the e-invoice of an issued invoice is recorded (absent: none is stored). */
  einvoices?: EinvoiceRecordStore;
  /** Makes the PDF a Factur-X hybrid once the seller profile is complete (absent: plain PDFs). */
  facturx?: FacturxEmbedder;
  /** Where the seller's logo is read from, to inline it in the PDF (absent: none is printed). */
  logos?: Pick<DocumentStore, 'get'>;
  /**
   * Where documents are rendered: present, the consumer queues a job for the renderer function
   * (render-jobs.ts) and goes on to the events; absent, it renders inline before them.
   */
  renders?: RenderQueue;
  /**
   * Sets a deleted draft's earlier history entries to expire with its deletion entry (idempotent).
   * The delete does it at once too; here it cannot be lost if that process stopped in between.
   */
  deletedHistory?: { expire(accountId: string, invoiceId: string): Promise<void> };
  /**
   * Moves an account's open invoices in the reminders index when its reminder settings change
   * (settings-side-effects.ts): the index, and the settings as they stand (absent: nothing moves).
   */
  reminderRekey?: { index: Pick<ReminderIndex, 'rekeyAccount'>; settings: Pick<SettingsStore, 'get'> };
};

/** What making documents needs: everything but the events (the renderer function has no bus). */
export type DocumentDeps = Omit<
  SideEffectDeps,
  'events' | 'published' | 'renders' | 'deletedHistory' | 'reminderRekey'
>;

export type SideEffectResult = {
  published: InvoiceEvent[];
  rendered: boolean;
  einvoiceStored?: boolean;
  /** A render job went to the renderer's queue. */
  queued?: boolean;
};

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
  let rendered = false;
  let einvoiceStored = false;
  let queued = false;
  if (newImage) {
    // The issuing record: draft → issued, or an invoice born issued (a recurring run's auto-finalize).
    const issuing = !oldImage || oldImage.status === 'draft';
    if (!deps.renders) ({ rendered, einvoiceStored } = await renderInvoiceDocuments(deps, issuing, newImage));
    else if (needsDocuments(issuing, newImage)) {
      await deps.renders.enqueue([{ kind: 'invoice', issuing, invoice: newImage }]);
      queued = true;
    }
  }
  if (oldImage && !newImage) await deps.deletedHistory?.expire(oldImage.accountId, oldImage.id);
  const published: InvoiceEvent[] = [];
  for (const event of eventsFor(oldImage, newImage)) {
    if (await deps.published.has(event)) continue;
    await deps.events.publish([event]);
    // The receipt rides on the paid event's mark: sent before the mark, so a crash repeats it, never loses it.
    if (event.type === 'invoice.paid' && newImage && deps.receipts) await sendReceipt(deps, deps.receipts, newImage);
    await deps.published.add(event); // after publishing: a crash in between repeats, never loses
    published.push(event);
  }
  return { published, rendered, einvoiceStored, ...(queued ? { queued } : {}) };
}

/** Whether this image has documents to make: a PDF not yet marked ready, or (issuing) its e-invoice. */
function needsDocuments(issuing: boolean, invoice: Invoice): boolean {
  if (invoice.status === 'draft') return false;
  return !(invoice.pdf.status === 'ready' && invoice.pdf.sha256) || (issuing && !invoice.einvoice?.sha256);
}

/**
 * An invoice image's documents, in one step from that one snapshot: at the issuing change its UBL
 * e-invoice, then its PDF (a Factur-X hybrid carrying the CII XML of the same image). Run inline by
 * the stream consumer, or by the renderer function for a queued job; idempotent either way (a
 * repeated or stale image records nothing over a newer one, see ensurePdf).
 */
export async function renderInvoiceDocuments(
  deps: DocumentDeps,
  issuing: boolean,
  invoice: Invoice,
): Promise<{ rendered: boolean; einvoiceStored: boolean }> {
  const einvoiceStored = issuing ? await ensureEinvoice(deps, invoice) : false;
  const rendered = await ensurePdf(deps, invoice);
  return { rendered, einvoiceStored };
}

/**
 * The invoice's e-invoice in one syntax, from this image and the parties fixed at its finalization;
 * null where the seller profile was missing or lacked what EN 16931 requires when it was issued.
 */
function einvoiceOf(
  invoice: Invoice,
  firstContact: Contact | null,
  write: (doc: ReturnType<typeof invoiceEinvoice>) => string,
): string | null {
  if (!invoice.seller || invoice.status === 'draft') return null;
  const contactName = firstContact
    ? [firstContact.firstName, firstContact.lastName].filter(Boolean).join(' ') || firstContact.email
    : null;
  try {
    return write(invoiceEinvoice(invoice, { contactName }));
  } catch (e) {
    if (e instanceof DomainError) return null;
    throw e;
  }
}

/**
 * Where an issued invoice's e-invoice lives: beside its PDFs, one object per invoice, written once.
 * Under the PDF prefix, because every S3 grant (and the Object Lock retention grant) is limited to it.
 */
export const einvoiceKey = (invoice: Pick<Invoice, 'accountId' | 'id'>): string =>
  `pdfs/${invoice.accountId}/${invoice.id}/einvoice-ubl.xml`;

/**
 * At finalization (the change that takes the invoice out of draft, or the write of an invoice born
 * open by a recurring run), the UBL e-invoice is made from
 * that very image, the one the first PDF is made from, and stored beside the PDF with the same
 * Object Lock, its hash on the invoice and in the chain. A replay of that record makes the same
 * bytes and records nothing new. An invoice whose seller profile was missing or incomplete when it
 * was issued has no stored e-invoice (its GET answers 422 naming what is missing).
 */
async function ensureEinvoice(deps: DocumentDeps, invoice: Invoice): Promise<boolean> {
  if (!deps.einvoices || !invoice.seller || invoice.einvoice?.sha256) return false;
  if (invoice.status === 'draft') return false;
  const first = invoice.contacts[0] ? await deps.contacts.get(invoice.accountId, invoice.contacts[0]) : null;
  const xml = einvoiceOf(invoice, first, toUbl);
  if (!xml) return false;
  const bytes = Buffer.from(xml, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = einvoiceKey(invoice);
  await deps.documents.put(key, bytes, 'application/xml', { issued: true });
  return deps.einvoices.store(invoice, { key, sha256, syntax: 'ubl' });
}

/** A receipt to each contact of the invoice that has an address, with the amount paid and the date. */
async function sendReceipt(
  deps: Pick<SideEffectDeps, 'contacts' | 'logos'>,
  receipts: NonNullable<SideEffectDeps['receipts']>,
  invoice: Invoice,
): Promise<void> {
  const contacts = await Promise.all(invoice.contacts.map((id) => deps.contacts.get(invoice.accountId, id)));
  const logo = contacts.some((c) => c?.email) ? await emailLogo(deps.logos, invoice) : null;
  for (const contact of contacts) {
    // An invoice becomes paid once: a replayed record names the same message, which the outbox writes once.
    if (contact?.email)
      await receipts.mailer.send({
        ...invoiceEmail({ kind: 'receipt' }, invoice, contact, receipts.publicBaseUrl, logo),
        idempotencyKey: `receipt-${invoice.id}-${contact.id}`,
      });
  }
}

async function ensurePdf(deps: DocumentDeps, invoice: Invoice): Promise<boolean> {
  if (invoice.status === 'draft' || (invoice.pdf.status === 'ready' && invoice.pdf.sha256)) return false;
  // The record, the parties and the ledger are read at once: a replay (a record already there)
  // wastes the other reads, a first render (the common case, and all of a burst) waits for one round.
  const [existing, contacts, company, ledger, logo] = await Promise.all([
    deps.pdfRecords.get(invoice.accountId, invoice.id),
    Promise.all(invoice.contacts.map((id) => deps.contacts.get(invoice.accountId, id))),
    invoice.company ? deps.companies.get(invoice.accountId, invoice.company) : Promise.resolve(null),
    deps.ledger ? ledgerAt(deps.ledger.store, invoice) : Promise.resolve({}),
    issuedLogoDataUrl(deps.logos, invoice),
  ]);
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
  const html = deps.templates.html(invoice, {
    contacts: contacts.filter((c): c is Contact => c !== null),
    company,
    logo,
    ...ledger,
  });
  let pdf = await deps.renderer.render(html, { format: deps.templates.format(invoice) });
  const live = contacts.filter((c): c is Contact => c !== null);
  const cii = deps.facturx ? einvoiceOf(invoice, live[0] ?? null, toCii) : null;
  if (cii && deps.facturx)
    pdf = await deps.facturx.embed(pdf, cii, {
      title: `Invoice ${invoice.number ?? invoice.id}`,
      author: invoice.seller!.legalName,
      createdAt: new Date(invoice.finalizedAt ?? invoice.updatedAt),
    });
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
