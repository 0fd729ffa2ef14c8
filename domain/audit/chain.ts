import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { CreditNote } from '../credit-notes/credit-note.js';
import type { Invoice } from '../invoices/invoice.js';
import { wellFormedStrings } from '../shared/well-formed-text.js';

export type ChainEntryType = 'invoice' | 'creditNote' | 'pdf' | 'einvoice';

/** One link of an account's chain of issued documents (API.md, "History and the audit chain"). */
export type ChainEntry = {
  sequence: number;
  entryType: ChainEntryType;
  documentId: string;
  number: string | null;
  sha256: string;
  previous: string;
  chain: string;
  at: string;
  /** Where the document is, for verification: its invoice (credit notes, files) and, for files, the object key. */
  invoiceId: string;
  objectKey?: string;
};

/** What an issuing write knows before the chain's sequence and previous link are handed out in it. */
export type ChainDocument = Pick<ChainEntry, 'entryType' | 'documentId' | 'number' | 'sha256' | 'at' | 'invoiceId'> & {
  objectKey?: string;
};

/** The `previous` of an account's first entry: there is no earlier link. */
export const GENESIS = '0'.repeat(64);

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** `chain = sha256(previous + sha256)`: hex strings concatenated as text. */
export const link = (previous: string, sha256: string): string => sha256Hex(previous + sha256);

/** RFC 8785 (JCS) text of a JSON value: the same bytes however keys were ordered or numbers written. */
export function canonicalJson(value: unknown): string {
  // RFC 8785 takes I-JSON only. Requests are made well formed as they are parsed; an item stored
  // before that may still hold a lone surrogate, hashed here as the U+FFFD it would be read as.
  const text = canonicalize(JSON.parse(JSON.stringify(value), wellFormedStrings));
  if (text === undefined) throw new Error('the value has no JSON form');
  return text;
}

/**
 * What an issued invoice is, for the chain: the fields fixed at finalization. Left out are those
 * that legitimately move afterwards (status, payments and credits in the totals, past-due flag,
 * sentAt/paidAt/voidedAt, the PDF mark, version, deals and quotes, which may be associated in any
 * status), so verification stays `ok` through mark-paid, void and payments, and breaks if a line,
 * an amount, a party or the number is altered.
 */
export function issuedInvoice(invoice: Invoice) {
  const { subtotal, discount, tax, total } = invoice.totals;
  return {
    id: invoice.id,
    accountId: invoice.accountId,
    number: invoice.number,
    currency: invoice.currency,
    invoiceDate: invoice.invoiceDate,
    paymentTerms: invoice.paymentTerms,
    dueDate: invoice.dueDate,
    poNumber: invoice.poNumber,
    // Fields added later join the hash only when set, so invoices issued before them hash as they did.
    ...(invoice.buyerReference ? { buyerReference: invoice.buyerReference } : {}),
    ...(invoice.seller ? { seller: invoice.seller } : {}),
    ...(invoice.buyer ? { buyer: invoice.buyer } : {}),
    billingAddress: invoice.billingAddress,
    contacts: invoice.contacts,
    company: invoice.company,
    lineItems: invoice.lineItems,
    totals: { subtotal, discount, tax, total },
    comments: invoice.comments,
    language: invoice.language,
    locale: invoice.locale,
    finalizedAt: invoice.finalizedAt,
  };
}

/** A credit note never changes once issued, except its PDF mark (a derived fact). */
export function issuedCreditNote(creditNote: CreditNote) {
  const { pdf: _pdf, ...issued } = creditNote;
  return issued;
}

export const invoiceHash = (invoice: Invoice): string => sha256Hex(canonicalJson(issuedInvoice(invoice)));
export const creditNoteHash = (creditNote: CreditNote): string =>
  sha256Hex(canonicalJson(issuedCreditNote(creditNote)));

/** An invoice is issued when it leaves draft: that write takes its place in the chain. */
export const isIssue = (previous: Invoice, next: Invoice): boolean =>
  previous.status === 'draft' && next.status !== 'draft';

export const invoiceChainDocument = (invoice: Invoice): ChainDocument => ({
  entryType: 'invoice',
  documentId: invoice.id,
  invoiceId: invoice.id,
  number: invoice.number,
  sha256: invoiceHash(invoice),
  at: invoice.finalizedAt ?? invoice.updatedAt,
});

export const creditNoteChainDocument = (creditNote: CreditNote): ChainDocument => ({
  entryType: 'creditNote',
  documentId: creditNote.id,
  invoiceId: creditNote.invoiceId,
  number: creditNote.number,
  sha256: creditNoteHash(creditNote),
  at: creditNote.issuedAt,
});

/** The entry a document takes at `sequence`, after the link `previous`. */
export const chainEntry = (doc: ChainDocument, sequence: number, previous: string): ChainEntry => ({
  ...doc,
  sequence,
  previous,
  chain: link(previous, doc.sha256),
});

/** A stored file (a PDF) of an issued document: chained when it is stored, by the hash of its bytes. */
export const fileChainDocument = (file: {
  documentId: string;
  invoiceId: string;
  number: string | null;
  sha256: string;
  objectKey: string;
  at: string;
}): ChainDocument => ({ entryType: 'pdf', ...file });

/** The stored e-invoice XML of an issued invoice: chained once, by the hash of its bytes. */
export const einvoiceChainDocument = (file: Parameters<typeof fileChainDocument>[0]): ChainDocument => ({
  entryType: 'einvoice',
  ...file,
});
