import { nextReminderOn } from '../../domain/reminders/reminder-schedule.js';
import type { CrmRecord } from '../../domain/crm/records.js';
import { invoiceUrl, type Invoice } from '../../domain/invoices/invoice.js';
import type { Page } from '../../domain/ports.js';
import type { StoredSettings } from '../../domain/settings/settings.js';
import type { HistoryEntry } from '../../domain/audit/history.js';
import type { ChainEntry } from '../../domain/audit/chain.js';
import type { ApiKey } from '../../domain/auth/api-keys.js';

/** The resource shapes of the contract: internal fields (the tenant, the record kind) stay inside. */
export function presentInvoice(invoice: Invoice, publicBaseUrl: string) {
  // The reminder plan is the index's bookkeeping; what a user sees is when the next reminder is due.
  // The logo recorded at finalization is the documents' bookkeeping, like the reminder plan.
  const { accountId: _a, reminderPlan: _p, sellerLogo: _l, ...rest } = invoice;
  return {
    ...rest,
    // Invoices stored before metadata existed have none: `{}`, so no backfill is needed.
    metadata: invoice.metadata ?? {},
    associationLabels: invoice.associationLabels ?? {},
    remindersPaused: invoice.remindersPaused ?? false,
    lastRemindedAt: invoice.lastRemindedAt ?? null,
    nextReminderOn: nextReminderOn(invoice),
    url: invoiceUrl(invoice, publicBaseUrl),
  };
}

export function presentRecord<T extends CrmRecord>(record: T) {
  const { accountId: _a, kind: _k, ...rest } = record;
  return { ...rest, metadata: record.metadata ?? {} };
}

export function presentSettings(settings: StoredSettings) {
  const { accountId: _a, logo, ...rest } = settings;
  // The logo's bucket key is the storage's business: the picture is described, not located.
  const described = logo ? (({ key: _k, ...shown }) => shown)(logo) : null;
  return { ...rest, logo: described };
}

/** History entries and chain links as the contract shows them: the storage's own fields stay inside. */
export function presentHistoryEntry(entry: HistoryEntry) {
  const { accountId: _a, invoiceId: _i, ...rest } = entry;
  return rest;
}

export function presentChainEntry(entry: ChainEntry) {
  const { objectKey: _k, ...rest } = entry;
  return rest;
}

/** An API key without its tenant; the key itself is never stored, so it cannot be shown here. */
export function presentApiKey(key: ApiKey) {
  const { accountId: _a, ...rest } = key;
  return rest;
}

export function presentPage<T, R>(page: Page<T>, present: (t: T) => R) {
  return { results: page.items.map(present), paging: page.next ? { next: { after: page.next } } : {} };
}
