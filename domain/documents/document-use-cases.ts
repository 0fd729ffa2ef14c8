import type { Actor } from '../auth/actor.js';
import type { Company, Contact } from '../crm/records.js';
import { DomainError, conflict } from '../errors.js';
import { loadInvoice } from '../invoices/invoice-use-cases.js';
import type { Invoice } from '../invoices/invoice.js';
import type {
  CompanyStore,
  ContactStore,
  DocumentStore,
  InvoiceStore,
  LedgerStore,
  PdfRecordStore,
  SettingsStore,
} from '../ports.js';
import { ledgerAt } from '../stream/ledger-side-effects.js';
import { slug as slugSchema } from '../shared/schemas.js';
import { logoDataUrl, logoFor } from '../settings/seller-logo.js';
import { loadInvoiceTemplate, renderInvoiceHtml, type DocumentMode, type InvoiceView } from './invoice-template.js';

export type DocumentDeps = {
  invoices: InvoiceStore;
  contacts: ContactStore;
  companies: CompanyStore;
  settings: SettingsStore;
  pdfRecords: PdfRecordStore;
  documents: DocumentStore;
  /** Payments and credit notes, shown on the page and preview as on the PDF. */
  ledger?: Pick<LedgerStore, 'payments' | 'creditNotes'>;
  /** Where the seller's logo is read from to inline it (absent: documents show none). */
  logos?: Pick<DocumentStore, 'get'>;
};

export type SignedLink = { url: string; expiresAt: string };

/**
 * How long a signed PDF link lives. The contract allows 15 minutes; five is ample to start a
 * download (the buyer's redirect is followed at once) and a leaked link dies sooner.
 */
export const PDF_LINK_SECONDS = 300;

/** What a buyer's request says about where it arrived: the slug, the Host it was sent to, and the service's own host. */
export type BuyerRequest = { slug: string; host: string | undefined; serviceHost: string };

async function parties(
  deps: Pick<DocumentDeps, 'contacts' | 'companies'>,
  invoice: Invoice,
): Promise<{ contacts: Contact[]; company: Company | null }> {
  const [contacts, company] = await Promise.all([
    Promise.all(invoice.contacts.map((id) => deps.contacts.get(invoice.accountId, id))),
    invoice.company ? deps.companies.get(invoice.accountId, invoice.company) : Promise.resolve(null),
  ]);
  // A contact deleted after it was billed simply drops off the bill-to.
  return { contacts: contacts.filter((c): c is Contact => c !== null), company };
}

async function html(
  deps: Pick<DocumentDeps, 'contacts' | 'companies' | 'ledger' | 'settings' | 'logos'>,
  invoice: Invoice,
  mode: DocumentMode,
  online?: () => Promise<Pick<InvoiceView, 'pay' | 'notice'>>,
): Promise<string> {
  // A draft has nothing recorded against it; an issued invoice shows what its version knew of.
  const ledger = deps.ledger && invoice.status !== 'draft' ? await ledgerAt(deps.ledger, invoice) : {};
  // An issued invoice shows the seller it was issued by; a draft (or one issued before the seller
  // profile existed) the account's profile as it stands.
  // The logo follows the seller: the one recorded with it, or the account's current one.
  const settings = invoice.seller ? null : await deps.settings.get(invoice.accountId);
  const seller = invoice.seller ?? settings?.seller ?? null;
  const logo = deps.logos ? await logoDataUrl(deps.logos, logoFor(invoice, settings?.logo)) : null;
  const extra = online ? await online() : {};
  await loadInvoiceTemplate();
  return renderInvoiceHtml({ invoice, ...(await parties(deps, invoice)), ...ledger, ...extra, mode, seller, logo });
}

/** The newest PDF's signed link; a draft has none (it has a preview), and a new PDF may still be rendering. */
async function signedPdfLink(
  deps: Pick<DocumentDeps, 'pdfRecords' | 'documents'>,
  invoice: Invoice,
): Promise<SignedLink> {
  if (invoice.status === 'draft') {
    throw conflict(`An invoice whose status is draft has no PDF; its preview shows it`, {
      currentStatus: invoice.status,
    });
  }
  const record = await deps.pdfRecords.get(invoice.accountId, invoice.id);
  // Until the first PDF exists there is nothing to link to. After a later transition the previous
  // PDF is served until the new one (with its PAID or VOID mark) replaces it a few seconds later.
  if (!record) throw conflict('The PDF is being rendered; retry in a few seconds', { currentStatus: invoice.status });
  return deps.documents.signedUrl(record.key, PDF_LINK_SECONDS, { filename: `${invoice.number ?? invoice.id}.pdf` });
}

/** `GET /invoices/{id}/preview`: the invoice as the buyer will see it, drafts included, as HTML. */
export async function previewInvoice(
  deps: Pick<DocumentDeps, 'invoices' | 'contacts' | 'companies' | 'ledger' | 'settings' | 'logos'>,
  actor: Actor,
  id: string,
): Promise<string> {
  return html(deps, await loadInvoice(deps, actor, id), 'preview');
}

/** `GET /invoices/{id}/pdf`: a signed link to the invoice's PDF. */
export async function invoicePdfLink(
  deps: Pick<DocumentDeps, 'invoices' | 'pdfRecords' | 'documents'>,
  actor: Actor,
  id: string,
): Promise<SignedLink> {
  return signedPdfLink(deps, await loadInvoice(deps, actor, id));
}

const NOT_HERE = () => new DomainError('not_found', 'There is no invoice at this address');

/**
 * The invoice a buyer's URL names. On a connected domain the slug is looked up under that domain
 * (and only while the account still has the domain connected); on the service's own host, and as
 * the fallback for any other host, under no domain. Drafts are not published: they are as absent
 * as an unknown slug, with the same answer, so a slug's existence leaks nothing.
 */
export async function buyerInvoice(
  deps: { invoices: Pick<InvoiceStore, 'getBySlug'>; settings: Pick<SettingsStore, 'get'> },
  req: BuyerRequest,
): Promise<Invoice> {
  if (!slugSchema.safeParse(req.slug).success) throw NOT_HERE();
  const host = req.host?.trim().toLowerCase();
  let invoice: Invoice | null = null;
  if (host && host !== req.serviceHost.toLowerCase()) {
    const domain = host.replace(/:\d+$/, '');
    const onDomain = await deps.invoices.getBySlug(domain, req.slug);
    if (onDomain && (await deps.settings.get(onDomain.accountId))?.domains.includes(domain)) invoice = onDomain;
  }
  invoice ??= await deps.invoices.getBySlug(null, req.slug);
  if (!invoice || invoice.status === 'draft') throw NOT_HERE();
  return invoice;
}

/**
 * Whether the account takes online payments for this invoice now (a processor is connected):
 * asked only for an open invoice with something due and a method to pay it with.
 */
export type OnlinePayability = { payable(invoice: Invoice): Promise<boolean> };

/**
 * `GET /i/{slug}`: the hosted invoice page. With `online`, an open invoice with a balance due offers
 * Pay; while an online payment is on its way (an ACH debit pending, or the buyer just back from a
 * checkout that has not landed yet) the page says it is being processed instead.
 */
export async function buyerInvoicePage(
  deps: Pick<DocumentDeps, 'invoices' | 'settings' | 'contacts' | 'companies' | 'ledger' | 'logos'> & {
    online?: OnlinePayability;
  },
  req: BuyerRequest & { checkout?: string | undefined },
): Promise<string> {
  const invoice = await buyerInvoice(deps, req);
  const online = deps.online;
  if (!online) return html(deps, invoice, 'page');
  return html(deps, invoice, 'page', async () => {
    const open = invoice.status === 'open';
    const payments = open && deps.ledger ? await deps.ledger.payments(invoice.accountId, invoice.id) : [];
    const pending = payments.some((p) => p.online?.state === 'pending');
    const notice = !open
      ? null
      : pending || req.checkout === 'success'
        ? 'processing'
        : req.checkout === 'cancelled'
          ? 'cancelled'
          : null;
    const canPay =
      open &&
      !pending &&
      invoice.totals.balanceDue > 0 &&
      invoice.billing.paymentMethods.length > 0 &&
      (await online.payable(invoice));
    return { notice, pay: canPay ? { amount: invoice.totals.balanceDue } : null };
  });
}

/** `GET /i/{slug}/pdf`: a fresh signed link for the buyer's redirect. */
export async function buyerPdfLink(
  deps: Pick<DocumentDeps, 'invoices' | 'settings' | 'pdfRecords' | 'documents'>,
  req: BuyerRequest,
): Promise<SignedLink> {
  return signedPdfLink(deps, await buyerInvoice(deps, req));
}
