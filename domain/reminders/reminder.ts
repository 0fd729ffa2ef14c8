/** One reminder email round sent for an invoice (to each of its contacts with an address). */
export type Reminder = {
  id: string;
  accountId: string;
  invoiceId: string;
  /** The invoice version the claim wrote: the event id and the history entry follow it. */
  invoiceVersion: number;
  sentAt: string;
  /** `schedule`: the job sent a step of the account's schedule; `manual`: `POST /invoices/{id}/remind`. */
  trigger: 'schedule' | 'manual';
  /** The schedule step (days relative to the due date) a scheduled reminder is for; null when manual. */
  step: number | null;
  recipients: string[];
  language: string;
  balanceDue: number;
  currency: string;
  dueDate: string | null;
};

/** `POST /invoices/{id}/remind` is allowed once per this many hours per invoice (any reminder counts). */
export const MANUAL_REMINDER_INTERVAL_HOURS = 24;
