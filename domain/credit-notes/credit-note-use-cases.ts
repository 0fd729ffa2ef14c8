import type { Actor } from '../auth/actor.js';
import { mergeMetadata } from '../shared/metadata.js';
import { toInstant } from '../dates/calendar.js';
import { PDF_LINK_SECONDS } from '../documents/document-use-cases.js';
import { conflict, notFound } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { loadInvoice, type InvoiceDeps } from '../invoices/invoice-use-cases.js';
import { assertAllowed } from '../invoices/status-machine.js';
import { applyCredit } from '../money/settlement.js';
import { mutate, RETRY_WITH_JITTER } from '../optimistic.js';
import type { DocumentStore } from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { creditLines, type CreditNote, type CreditNoteInput } from './credit-note.js';
import { byUser } from '../audit/history.js';

const PDF_PENDING: Invoice['pdf'] = { status: 'pending', sha256: null };

/**
 * `POST /invoices/{id}/credit-notes`. Decided on the invoice version read (its credit notes so far
 * are read after it: any newer one moved the version, so the write below fails and all is decided
 * again) and written in one transaction with the invoice's new totals and the next number of the
 * credit note series. On an open invoice the credit reduces the balance, and settles the invoice
 * when nothing is left due; whatever the balance cannot absorb (all of it once paid) is owed back.
 */
export async function issueCreditNote(
  deps: InvoiceDeps,
  actor: Actor,
  invoiceId: string,
  input: CreditNoteInput,
  ifMatch?: number,
): Promise<{ invoice: Invoice; creditNote: CreditNote }> {
  const settings = await getSettings(deps, actor.accountId);
  return mutate(
    () => loadInvoice(deps, actor, invoiceId),
    ifMatch,
    async (current) => {
      assertAllowed('issueCreditNote', current.status);
      const earlier = await deps.ledger.creditNotes(actor.accountId, invoiceId);
      const lines = creditLines(current, input, earlier);
      const subtotal = lines.reduce((s, l) => s + l.amount, 0);
      const tax = lines.reduce((s, l) => s + l.tax, 0);
      const total = subtotal + tax;
      const outcome = applyCredit(current.totals, total);
      const now = toInstant(deps.clock.now());
      const settles = current.status === 'open' && outcome.totals.balanceDue === 0;
      const next: Invoice = {
        ...current,
        totals: outcome.totals,
        ...(settles ? { status: 'paid' as const, paidAt: now, pastDue: false } : {}),
        pdf: PDF_PENDING,
        version: current.version + 1,
        updatedAt: now,
      };
      const draft: CreditNote = {
        id: deps.ids.id('cn'),
        accountId: actor.accountId,
        invoiceId,
        invoiceNumber: current.number,
        number: '', // handed out in the write, from the series' counter
        currency: current.currency,
        language: current.language,
        locale: current.locale,
        reason: input.reason,
        memo: input.memo ?? null,
        lines,
        subtotal,
        tax,
        total,
        appliedToBalance: outcome.applied,
        refundAmount: outcome.refund,
        issuedAt: now,
        issuedBy: actor.userId,
        invoiceVersion: next.version,
        pdf: { status: 'pending', sha256: null },
        metadata: mergeMetadata({}, input.metadata),
      };
      const creditNote = await deps.ledger.issueCreditNote(
        current,
        next,
        draft,
        {
          prefix: settings.creditNotePrefix,
          startNumber: settings.creditNoteStartNumber,
        },
        byUser(actor, 'creditNoteIssued', now, { creditNoteId: draft.id, total }),
      );
      return { invoice: next, creditNote };
    },
    RETRY_WITH_JITTER,
  );
}

/** `GET /invoices/{id}/credit-notes`: oldest first. */
export async function listCreditNotes(deps: InvoiceDeps, actor: Actor, invoiceId: string): Promise<CreditNote[]> {
  await loadInvoice(deps, actor, invoiceId);
  return deps.ledger.creditNotes(actor.accountId, invoiceId);
}

export async function getCreditNote(deps: Pick<InvoiceDeps, 'ledger'>, actor: Actor, id: string): Promise<CreditNote> {
  const found = await deps.ledger.getCreditNote(actor.accountId, id);
  if (!found) throw notFound('Credit note', id);
  return found;
}

/** Where a credit note's PDF lives: beside its invoice's PDFs, one object per credit note (it never changes). */
export function creditNotePdfKey(c: Pick<CreditNote, 'accountId' | 'invoiceId' | 'id'>): string {
  return `pdfs/${c.accountId}/${c.invoiceId}/credit-notes/${c.id}.pdf`;
}

/** `GET /credit-notes/{id}/pdf`: a signed link, once the stream has rendered it (a few seconds after issue). */
export async function creditNotePdfLink(
  deps: Pick<InvoiceDeps, 'ledger'> & { documents: DocumentStore },
  actor: Actor,
  id: string,
) {
  const creditNote = await getCreditNote(deps, actor, id);
  if (creditNote.pdf.status !== 'ready') throw conflict('The PDF is being rendered; retry in a few seconds');
  return deps.documents.signedUrl(creditNotePdfKey(creditNote), PDF_LINK_SECONDS, {
    filename: `${creditNote.number}.pdf`,
  });
}
