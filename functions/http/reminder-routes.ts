import type { Invoice } from '../../domain/invoices/invoice.js';
import { emptyInput } from '../../domain/invoices/invoice-input.js';
import type { Reminder } from '../../domain/reminders/reminder.js';
import { listReminders, remindInvoice, type ReminderDeps } from '../../domain/reminders/reminder-use-cases.js';
import type { Operation } from './http-types.js';
import { validate } from './request.js';

/** The contract's shape: the tenant stays inside, as for invoices. */
export function presentReminder(reminder: Reminder) {
  const { accountId: _a, ...rest } = reminder;
  return rest;
}

/**
 * The reminder operations, served by the invoices function (routes in infra/routes.ts). Sending
 * one answers with the reminder and the invoice it changed (`lastRemindedAt`), as payments do.
 */
export function reminderOperations(
  deps: ReminderDeps,
  showInvoice: (i: Invoice) => unknown,
): Record<string, Operation> {
  return {
    'POST /invoices/{id}/remind': async (req) => {
      validate(emptyInput, req.body);
      const { reminder, invoice } = await remindInvoice(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 201, body: { ...presentReminder(reminder), invoice: showInvoice(invoice) } };
    },
    'GET /invoices/{id}/reminders': async (req) => ({
      status: 200,
      body: { results: (await listReminders(deps, req.actor, req.params.id!)).map(presentReminder) },
    }),
  };
}
