import type { Actor } from '../auth/actor.js';
import { getCreditNote } from '../credit-notes/credit-note-use-cases.js';
import { conflict, fieldError } from '../errors.js';
import type { BuyerParty, Invoice } from '../invoices/invoice.js';
import { loadInvoice, type InvoiceDeps } from '../invoices/invoice-use-cases.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { creditNoteEinvoice, invoiceEinvoice, type EinvoiceDocument } from './einvoice-document.js';

export const EINVOICE_SYNTAXES = ['ubl', 'cii'] as const;
export type EinvoiceSyntax = (typeof EINVOICE_SYNTAXES)[number];

type Deps = Pick<InvoiceDeps, 'invoices' | 'settings' | 'contacts' | 'companies' | 'ledger'>;

/**
 * The XML of a document in the syntax asked for. The XML builder (xmlbuilder2, about 300 KB
 * minified) loads with the first e-invoice asked for, not at the cold start of the invoices function.
 */
export const serialize = async (doc: EinvoiceDocument, syntax: EinvoiceSyntax): Promise<string> =>
  syntax === 'cii' ? (await import('./cii.js')).toCii(doc) : (await import('./ubl.js')).toUbl(doc);

/**
 * The parties of an issued invoice: those fixed at its finalization. Invoices issued before the
 * seller profile existed have none fixed, so theirs are read as the account and company stand now.
 */
async function partiesOf(deps: Deps, actor: Actor, invoice: Invoice) {
  if (invoice.seller) return { seller: invoice.seller, buyer: invoice.buyer ?? null };
  const settings = await getSettings(deps, actor.accountId);
  const company = invoice.company ? await deps.companies.get(actor.accountId, invoice.company) : null;
  const buyer: BuyerParty | null = company
    ? {
        name: company.name,
        vatId: company.vatId ?? null,
        legalRegistrationId: company.legalRegistrationId ?? null,
        electronicAddress: company.electronicAddress ?? null,
        address: company.address ?? null,
      }
    : null;
  return { seller: settings.seller, buyer };
}

/** Without a company, the buyer is named after the invoice's first contact. */
async function contactName(deps: Deps, actor: Actor, invoice: Invoice): Promise<string | null> {
  const id = invoice.contacts[0];
  if (!id) return null;
  const c = await deps.contacts.get(actor.accountId, id);
  return c ? [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email : null;
}

function assertIssued(invoice: Invoice) {
  if (invoice.status === 'draft')
    throw conflict('A draft is not an e-invoice: finalize it first', { currentStatus: invoice.status });
}

/** `GET /invoices/{id}/e-invoice`: the issued invoice as UBL (default) or CII; 409 for a draft, 422 naming what is missing. */
export async function invoiceEinvoiceXml(
  deps: Deps,
  actor: Actor,
  id: string,
  syntax: EinvoiceSyntax,
): Promise<string> {
  const invoice = await loadInvoice(deps, actor, id);
  assertIssued(invoice);
  const doc = invoiceEinvoice(invoice, {
    contactName: await contactName(deps, actor, invoice),
    parties: await partiesOf(deps, actor, invoice),
  });
  return serialize(doc, syntax);
}

/** `GET /credit-notes/{id}/e-invoice`: a UBL CreditNote (or CII 381) referring to its invoice (BT-25). */
export async function creditNoteEinvoiceXml(
  deps: Deps,
  actor: Actor,
  id: string,
  syntax: EinvoiceSyntax,
): Promise<string> {
  const creditNote = await getCreditNote(deps, actor, id);
  const invoice = await loadInvoice(deps, actor, creditNote.invoiceId);
  if (!invoice.number) throw fieldError('invoice.number', 'the credited invoice has no number (BR-55)');
  const doc = creditNoteEinvoice(creditNote, invoice, {
    contactName: await contactName(deps, actor, invoice),
    parties: await partiesOf(deps, actor, invoice),
  });
  return serialize(doc, syntax);
}
