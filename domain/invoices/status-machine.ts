import { conflict } from '../errors.js';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'voided'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * What each action may start from. paid and voided are final: nothing leads out of them, so
 * neither can be undone. Editing, deleting and re-associating the bill-to are draft-only because
 * finalizing makes an invoice immutable.
 */
const ALLOWED_FROM = {
  edit: ['draft'],
  delete: ['draft'],
  finalize: ['draft'],
  markPaid: ['open'],
  void: ['open'],
  send: ['open', 'paid'],
  recordPayment: ['open'],
  // A paid invoice can still be credited: the credit becomes a refund owed.
  issueCreditNote: ['open', 'paid'],
  pauseReminders: ['draft', 'open'],
} as const satisfies Record<string, readonly InvoiceStatus[]>;

export type InvoiceAction = keyof typeof ALLOWED_FROM;

const VERB: Record<InvoiceAction, string> = {
  edit: 'edit',
  delete: 'delete',
  finalize: 'finalize',
  markPaid: 'mark as paid',
  void: 'void',
  send: 'send',
  recordPayment: 'record a payment on',
  issueCreditNote: 'issue a credit note on',
  pauseReminders: 'pause or resume reminders of',
};

export function assertAllowed(action: InvoiceAction, status: InvoiceStatus): void {
  const allowed: readonly InvoiceStatus[] = ALLOWED_FROM[action];
  if (!allowed.includes(status)) {
    throw conflict(`Cannot ${VERB[action]} an invoice whose status is ${status}`, { currentStatus: status });
  }
}
