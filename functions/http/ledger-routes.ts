import { creditNoteInput, type CreditNote } from '../../domain/credit-notes/credit-note.js';
import {
  creditNotePdfLink,
  getCreditNote,
  issueCreditNote,
  listCreditNotes,
} from '../../domain/credit-notes/credit-note-use-cases.js';
import type { InvoiceDeps } from '../../domain/invoices/invoice-use-cases.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { paymentInput, paymentStatus, type Payment } from '../../domain/payments/payment.js';
import { listPayments, recordPayment } from '../../domain/payments/payment-use-cases.js';
import type { DocumentStore } from '../../domain/ports.js';
import { signedLink } from './document-responses.js';
import type { Operation } from './http-types.js';
import { validate } from './request.js';

/** The contract's shapes: the tenant stays inside, as for invoices. */
export function presentPayment(payment: Payment) {
  const { accountId: _a, online, version: _v, ...rest } = payment;
  return {
    ...rest,
    metadata: payment.metadata ?? {},
    source: payment.source ?? 'recorded',
    status: paymentStatus(payment),
    refundedAmount: online?.refundedAmount ?? payment.refundedAmount ?? 0,
    ...(online
      ? {
          processor: {
            name: online.processor.name,
            checkoutSessionId: online.processor.checkoutSessionId,
            paymentIntentId: online.processor.paymentIntentId,
          },
          /** The part that landed with nothing due and went back to the buyer on its own. */
          autoRefundedAmount: online.autoRefund,
        }
      : {}),
  };
}

export function presentCreditNote(creditNote: CreditNote) {
  const { accountId: _a, ...rest } = creditNote;
  return { ...rest, metadata: creditNote.metadata ?? {} };
}

/**
 * The payment and credit note operations, served by the invoices function (the routes are in
 * infra/routes.ts). A write answers with the new item and the invoice it changed, so a client sees
 * the new balance without a second request.
 */
export function ledgerOperations(
  deps: InvoiceDeps & { documents: DocumentStore },
  showInvoice: (i: Invoice) => unknown,
): Record<string, Operation> {
  return {
    'POST /invoices/{id}/payments': async (req) => {
      const { payment, invoice } = await recordPayment(
        deps,
        req.actor,
        req.params.id!,
        validate(paymentInput, req.body),
        req.ifMatch,
      );
      return { status: 201, body: { ...presentPayment(payment), invoice: showInvoice(invoice) } };
    },
    'GET /invoices/{id}/payments': async (req) => ({
      status: 200,
      body: { results: (await listPayments(deps, req.actor, req.params.id!)).map(presentPayment) },
    }),
    'POST /invoices/{id}/credit-notes': async (req) => {
      const { creditNote, invoice } = await issueCreditNote(
        deps,
        req.actor,
        req.params.id!,
        validate(creditNoteInput, req.body),
        req.ifMatch,
      );
      return { status: 201, body: { ...presentCreditNote(creditNote), invoice: showInvoice(invoice) } };
    },
    'GET /invoices/{id}/credit-notes': async (req) => ({
      status: 200,
      body: { results: (await listCreditNotes(deps, req.actor, req.params.id!)).map(presentCreditNote) },
    }),
    'GET /credit-notes/{id}': async (req) => ({
      status: 200,
      body: presentCreditNote(await getCreditNote(deps, req.actor, req.params.id!)),
    }),
    'GET /credit-notes/{id}/pdf': (req) => creditNotePdfLink(deps, req.actor, req.params.id!).then(signedLink),
  };
}
