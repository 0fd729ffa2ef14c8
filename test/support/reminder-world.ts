import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Actor } from '../../domain/auth/actor.js';
import type { Company, Contact } from '../../domain/crm/records.js';
import type { InvoiceDeps } from '../../domain/invoices/invoice-use-cases.js';
import { createInvoice, finalizeInvoice } from '../../domain/invoices/invoice-use-cases.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { InvoiceEditInput } from '../../domain/invoices/invoice-input.js';
import type { SendRemindersDeps } from '../../domain/jobs/send-reminders.js';
import type { Mailer, MailMessage } from '../../domain/ports.js';
import type { ReminderDeps } from '../../domain/reminders/reminder-use-cases.js';
import { DEFAULT_SETTINGS, type InvoiceSettings } from '../../domain/settings/settings.js';
import { documentClient } from '../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../functions/dynamodb/invoice-store.js';
import { DynamoLedgerStore } from '../../functions/dynamodb/ledger-store.js';
import { DynamoRecordStore } from '../../functions/dynamodb/record-store.js';
import { DynamoReminderStore } from '../../functions/dynamodb/reminder-store.js';
import { DynamoSettingsStore } from '../../functions/dynamodb/settings-store.js';
import { ulidIds } from '../../functions/wiring.js';

/**
 * The reminders' stores on one table of DynamoDB Local, with a clock the test moves and a mailer
 * that records what it is given (or any other mailer, such as the outbox).
 */
export function reminderWorld(endpoint: string, tableName: string, opts: { pageSize?: number } = {}) {
  let current = new Date('2026-01-01T00:00:00Z');
  const clock = { now: () => current };
  const sent: MailMessage[] = [];
  const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
  const invoices = new DynamoInvoiceStore(db, tableName);
  const reminders = new DynamoReminderStore(db, tableName, invoices, opts.pageSize);
  const recorder: Mailer = { send: async (m) => void sent.push(m) };
  const core: InvoiceDeps = {
    invoices,
    settings: new DynamoSettingsStore(db, tableName),
    contacts: new DynamoRecordStore<Contact>(db, tableName, 'contact'),
    companies: new DynamoRecordStore<Company>(db, tableName, 'company'),
    clock,
    ids: ulidIds,
    ledger: new DynamoLedgerStore(db, tableName, invoices),
  };
  const deps = (mailer: Mailer = recorder): ReminderDeps & SendRemindersDeps => ({
    ...core,
    reminders,
    mailer,
    publicBaseUrl: 'http://reminders.test',
  });
  return {
    db,
    core,
    deps,
    reminders,
    sent,
    setNow: (d: Date | DateTime) => (current = d instanceof Date ? d : d.toJSDate()),
    now: () => current,
  };
}

export type ReminderWorld = ReturnType<typeof reminderWorld>;

/** A new account with reminders as given, and one contact with an email address. */
export async function reminderAccount(
  w: ReminderWorld,
  settings: Partial<InvoiceSettings> = {},
  contact: { email: string | null } = { email: 'ada@example.com' },
): Promise<{ actor: Actor; contact: Contact }> {
  const accountId = `acc_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await w.core.settings.save(
    accountId,
    { ...DEFAULT_SETTINGS, reminders: { ...DEFAULT_SETTINGS.reminders, enabled: true }, ...settings },
    0,
    '2026-01-01T00:00:00Z',
  );
  const now = '2026-01-01T00:00:00Z';
  const c = await w.core.contacts.create({
    accountId,
    version: 1,
    createdAt: now,
    updatedAt: now,
    id: ulidIds.id('con'),
    kind: 'contact',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: contact.email,
    address: null,
  } as Contact);
  return { actor: { userId: 'usr_1', accountId, superAdmin: true, permissions: [] }, contact: c };
}

/** An open invoice (finalized now, on the world's clock) due on `dueDate`. */
export async function openInvoice(
  w: ReminderWorld,
  a: { actor: Actor; contact: Contact },
  dueDate: string,
  extra: InvoiceEditInput = {},
): Promise<Invoice> {
  const draft = await draftInvoice(w, a, dueDate, extra);
  return finalizeInvoice(w.core, a.actor, draft.id);
}

export function draftInvoice(
  w: ReminderWorld,
  a: { actor: Actor; contact: Contact },
  dueDate: string,
  extra: InvoiceEditInput = {},
): Promise<Invoice> {
  return createInvoice(w.core, a.actor, {
    contacts: [a.contact.id],
    lineItems: [{ name: 'Consulting', unitPrice: 125_000, quantity: 1 }],
    paymentTerms: 'custom',
    dueDate,
    ...extra,
  });
}
