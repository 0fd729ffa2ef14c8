import type { InvoiceEvent } from '../../domain/events/invoice-events.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { InvoiceStore, LedgerStore, RecurringStore } from '../../domain/ports.js';
import { presentCreditNote, presentPayment } from '../http/ledger-routes.js';
import { presentInvoice } from '../http/presenters.js';
import { presentRecurring } from '../http/recurring-routes.js';

export type EventObjectDeps = {
  invoices: Pick<InvoiceStore, 'get'>;
  ledger: Pick<LedgerStore, 'payments' | 'getCreditNote'>;
  recurring: Pick<RecurringStore, 'get'>;
  publicBaseUrl: string;
};

/**
 * The object an event is about, as the API shows it (the same presenters as the routes), read when
 * the event is fanned out. The event's own `data` says what it is about: a payment (`paymentId`),
 * a credit note (`creditNoteId`), a recurring schedule (`recurringInvoice.*`), otherwise its
 * invoice; so an event added later is deliverable without a line here as long as its data names
 * its object the same way. An object gone by then (a deleted draft) is `{ id, deleted: true }`.
 */
export function eventObjects(deps: EventObjectDeps) {
  const showInvoice = (i: Invoice) => presentInvoice(i, deps.publicBaseUrl);
  return async (event: InvoiceEvent): Promise<unknown> => {
    const data = event.data as Record<string, unknown>;
    const gone = (id: string | null) => ({ id, deleted: true });
    if (typeof data.paymentId === 'string' && event.invoiceId) {
      const payment = (await deps.ledger.payments(event.accountId, event.invoiceId)).find(
        (p) => p.id === data.paymentId,
      );
      return payment ? presentPayment(payment) : gone(data.paymentId);
    }
    if (typeof data.creditNoteId === 'string') {
      const note = await deps.ledger.getCreditNote(event.accountId, data.creditNoteId);
      return note ? presentCreditNote(note) : gone(data.creditNoteId);
    }
    if (event.type.startsWith('recurringInvoice.') && event.recurringInvoiceId) {
      const schedule = await deps.recurring.get(event.accountId, event.recurringInvoiceId);
      return schedule ? presentRecurring(schedule) : gone(event.recurringInvoiceId);
    }
    if (event.invoiceId) {
      const invoice = await deps.invoices.get(event.accountId, event.invoiceId);
      return invoice ? showInvoice(invoice) : gone(event.invoiceId);
    }
    return event.data;
  };
}
