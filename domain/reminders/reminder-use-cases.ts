import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import type { Contact } from '../crm/records.js';
import { toInstant, todayIn } from '../dates/calendar.js';
import { DomainError, fieldError } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { loadInvoice, type InvoiceDeps } from '../invoices/invoice-use-cases.js';
import { conflict } from '../errors.js';
import { invoiceEmail } from '../mail/invoice-emails.js';
import { mutate } from '../optimistic.js';
import type { DocumentStore, Mailer, ReminderIndex } from '../ports.js';
import { emailLogo } from '../settings/seller-logo.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { MANUAL_REMINDER_INTERVAL_HOURS, type Reminder } from './reminder.js';
import { remindable } from './reminder-schedule.js';

export type ReminderDeps = InvoiceDeps & {
  reminders: ReminderIndex;
  mailer: Mailer;
  publicBaseUrl: string;
  /** Where the seller's logo is read from, to carry it in the emails (absent: none is). */
  logos?: Pick<DocumentStore, 'get'>;
};

/** The invoice's contacts that have an email address, in the invoice's order. */
export async function emailRecipients(deps: Pick<InvoiceDeps, 'contacts'>, invoice: Invoice): Promise<Contact[]> {
  const found = await Promise.all(invoice.contacts.map((c) => deps.contacts.get(invoice.accountId, c)));
  return found.filter((c): c is Contact => !!c?.email);
}

/** The reminder record and the invoice as a claim writes them. */
export function reminderClaim(
  deps: Pick<InvoiceDeps, 'ids'>,
  current: Invoice,
  p: { now: string; trigger: Reminder['trigger']; step: number | null; recipients: Contact[] },
): { next: Invoice; reminder: Reminder } {
  const next: Invoice = {
    ...current,
    ...(p.trigger === 'schedule' ? { lastReminderStep: p.step } : {}),
    lastRemindedAt: p.now,
    version: current.version + 1,
    updatedAt: p.now,
  };
  const reminder: Reminder = {
    id: deps.ids.id('rem'),
    accountId: current.accountId,
    invoiceId: current.id,
    invoiceVersion: next.version,
    sentAt: p.now,
    trigger: p.trigger,
    step: p.step,
    recipients: p.recipients.map((c) => c.email!),
    language: current.language,
    balanceDue: current.totals.balanceDue,
    currency: current.currency,
    dueDate: current.dueDate,
  };
  return { next, reminder };
}

/** Emails the reminder to each recipient (after its claim won: at most once per claim). */
export async function mailReminder(
  deps: Pick<ReminderDeps, 'mailer' | 'publicBaseUrl' | 'logos'>,
  invoice: Invoice,
  reminder: Reminder,
  recipients: Contact[],
  today: string,
): Promise<void> {
  const logo = recipients.length ? await emailLogo(deps.logos, invoice) : null;
  for (const contact of recipients)
    await deps.mailer.send({
      ...invoiceEmail({ kind: 'reminder', today }, invoice, contact, deps.publicBaseUrl, logo),
      idempotencyKey: `reminder-${reminder.id}-${contact.id}`,
    });
}

/**
 * `POST /invoices/{id}/remind`: emails a reminder now, outside the schedule (it spends no step).
 * Open invoices with a balance due only; at most one reminder of any kind per invoice a day (429
 * with Retry-After). The rule holds in the database: the claim is conditional on the version the
 * check read, so two calls at once send one reminder and the other re-reads, then gets 429.
 */
export async function remindInvoice(
  deps: ReminderDeps,
  actor: Actor,
  id: string,
  ifMatch?: number,
): Promise<{ reminder: Reminder; invoice: Invoice }> {
  let sent: { reminder: Reminder; recipients: Contact[] } | undefined;
  const invoice = await mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      if (current.status !== 'open')
        throw conflict(`Cannot send a reminder for an invoice whose status is ${current.status}`, {
          currentStatus: current.status,
        });
      if (!remindable(current)) {
        throw conflict(
          current.remindersPaused
            ? 'Reminders are paused for this invoice'
            : 'The invoice has no balance due to remind about',
          { currentStatus: current.status },
        );
      }
      const nowDate = deps.clock.now();
      if (current.lastRemindedAt) {
        const wait =
          Date.parse(current.lastRemindedAt) + MANUAL_REMINDER_INTERVAL_HOURS * 3_600_000 - nowDate.getTime();
        if (wait > 0) {
          throw new DomainError(
            'too_many_requests',
            `A reminder was sent at ${current.lastRemindedAt}; one reminder a day per invoice`,
            [],
            { retryAfterSeconds: Math.ceil(wait / 1000), lastRemindedAt: current.lastRemindedAt },
          );
        }
      }
      const recipients = await emailRecipients(deps, current);
      if (recipients.length === 0) throw fieldError('contacts', 'no contact of this invoice has an email address');
      const now = toInstant(nowDate);
      const { next, reminder } = reminderClaim(deps, current, { now, trigger: 'manual', step: null, recipients });
      await deps.reminders.claim(
        current,
        next,
        reminder,
        byUser(actor, 'reminderSent', now, { reminderId: reminder.id }),
      );
      sent = { reminder, recipients };
      return next;
    },
  );
  const settings = await getSettings(deps, actor.accountId);
  await mailReminder(deps, invoice, sent!.reminder, sent!.recipients, todayIn(settings.timeZone, deps.clock.now()));
  return { reminder: sent!.reminder, invoice };
}

/** `GET /invoices/{id}/reminders`: what was sent, oldest first. */
export async function listReminders(
  deps: Pick<ReminderDeps, 'invoices' | 'reminders'>,
  actor: Actor,
  id: string,
): Promise<Reminder[]> {
  await loadInvoice(deps, actor, id);
  return deps.reminders.list(actor.accountId, id);
}
