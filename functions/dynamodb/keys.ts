/**
 * Every DynamoDB key string is built here and nowhere else. Each key that belongs to a tenant
 * starts with its account, so no lookup can reach another account's items.
 */
import { createHash } from 'node:crypto';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { IndexScan } from '../../domain/ports.js';
import { sortValue } from '../../domain/search/invoice-properties.js';
import { INDEX_ORDER } from '../../domain/search/search-plan.js';
import { nextReminderOn, type ReminderFields } from '../../domain/reminders/reminder-schedule.js';

export type Key = { pk: string; sk: string };

const acc = (accountId: string) => `ACC#${accountId}`;

/** The sort-key prefix of a record's invoice links (invoice ids are ULIDs: they sort newest last). */
export const INVOICE_LINK_PREFIX = 'INVOICE#';

export const webhookEndpointPartition = (accountId: string) => `${acc(accountId)}#WEBHOOKS`;
export const webhookDeliveryPartition = (accountId: string, endpointId: string) =>
  `${acc(accountId)}#WEBHOOKS#${endpointId}#DELIVERIES`;

export const keys = {
  settings: (accountId: string): Key => ({ pk: acc(accountId), sk: 'SETTINGS' }),
  invoiceCounter: (accountId: string, prefix: string): Key => ({ pk: acc(accountId), sk: `COUNTER#INVOICE#${prefix}` }),
  /** One item per issued number: a second invoice with the same number cannot be written. */
  invoiceNumber: (accountId: string, number: string): Key => ({ pk: `${acc(accountId)}#INVNO#${number}`, sk: 'INVNO' }),
  invoice: (accountId: string, id: string): Key => ({ pk: `${acc(accountId)}#INV#${id}`, sk: 'INVOICE' }),
  /** Slugs are global (the buyer page has no account in its path), unique per domain. */
  slug: (domain: string | null, slug: string): Key => ({ pk: `SLUG#${domain ?? '-'}#${slug}`, sk: 'SLUG' }),
  record: (accountId: string, kind: string, id: string): Key => ({
    pk: `${acc(accountId)}#${kind.toUpperCase()}#${id}`,
    sk: kind.toUpperCase(),
  }),
  /**
   * In the record's partition: one item per invoice naming the record (contact, company, deal,
   * quote), written in the invoice's own transaction; a record's invoices are one Query away.
   */
  invoiceLink: (accountId: string, kind: string, recordId: string, invoiceId: string): Key => ({
    pk: keys.record(accountId, kind, recordId).pk,
    sk: `${INVOICE_LINK_PREFIX}${invoiceId}`,
  }),
  /**
   * One partition per (account, metadata key, value), holding an item per invoice that sets that
   * key to that value: `metadata.<key>` EQ/IN is a Query here. Key and value are hashed together
   * (values reach 500 characters, 2 KB in UTF-8, past DynamoDB's partition key limit; and a `#` in
   * a key could otherwise run into the value).
   */
  metadataLink: (accountId: string, key: string, value: string, invoiceId: string): Key => ({
    pk: metadataPartition(accountId, key, value),
    sk: `${INVOICE_LINK_PREFIX}${invoiceId}`,
  }),
  /** One partition per (account, Idempotency-Key); Powertools' hashed key is the sort key (idempotency-records.ts). */
  idempotencyPartition: (accountId: string, key: string): string => `${acc(accountId)}#IDEM#${key}`,
  /** Beside its invoice: the PDF last rendered (for which status and version, where in S3, its hash). */
  invoicePdf: (accountId: string, id: string): Key => ({ pk: `${acc(accountId)}#INV#${id}`, sk: 'PDF' }),
  /** Beside its invoice: the e-invoice stored at finalization (where in S3, its hash); written once. */
  invoiceEinvoice: (accountId: string, id: string): Key => ({ pk: `${acc(accountId)}#INV#${id}`, sk: 'EINVOICE' }),
  /** Beside its invoice: the mark that an event was published, so a replayed record publishes nothing. */
  publishedEvent: (accountId: string, invoiceId: string, eventId: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `EVENT#${eventId}`,
  }),
  /** Beside its invoice (one Query reads them all, strongly consistent), sorted by id, so by time. */
  payment: (accountId: string, invoiceId: string, paymentId: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `${LEDGER_SK.payment}${paymentId}`,
  }),
  creditNote: (accountId: string, invoiceId: string, id: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `${LEDGER_SK.creditNote}${id}`,
  }),
  /** `GET /credit-notes/{id}` has no invoice id: this item points from the credit note's id to its invoice. */
  creditNoteRef: (accountId: string, id: string): Key => ({
    pk: `${acc(accountId)}#CREDITNOTE#${id}`,
    sk: 'CREDITNOTE',
  }),
  /** `POST /payments/{id}/…` has no invoice id: this item points from the payment's id to its invoice. */
  paymentRef: (accountId: string, id: string): Key => ({ pk: `${acc(accountId)}#PAYMENT#${id}`, sk: 'PAYMENT' }),
  /**
   * One per processor payment intent, written with its payment: a second payment for the same
   * intent cannot be written, and a refund or dispute (which name only the intent) finds it.
   * Global, as the processor's ids are.
   */
  paymentIntent: (paymentIntentId: string): Key => ({ pk: `PI#${paymentIntentId}`, sk: 'PI' }),
  /** Beside its invoice: the mark that a processor event took effect, written in that effect's transaction. */
  processorEvent: (accountId: string, invoiceId: string, eventId: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `PEVT#${eventId}`,
  }),
  /** Beside its invoice: a hosted checkout opened for it (voiding the invoice closes those still open). */
  checkout: (accountId: string, invoiceId: string, sessionId: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `${CHECKOUT_SK}${sessionId}`,
  }),
  /** The account's payment processor connection (`/settings/payments`). */
  paymentSettings: (accountId: string): Key => ({ pk: acc(accountId), sk: 'SETTINGS#PAYMENTS' }),
  /** Credit notes number apart from invoices: their own counter per prefix and their own guards. */
  creditNoteCounter: (accountId: string, prefix: string): Key => ({
    pk: acc(accountId),
    sk: `COUNTER#CREDITNOTE#${prefix}`,
  }),
  /** An account's webhook endpoints share one partition: the fan-out reads them all with one Query. */
  webhookEndpoint: (accountId: string, id: string): Key => ({
    pk: webhookEndpointPartition(accountId),
    sk: `WHEP#${id}`,
  }),
  /** An endpoint's deliveries in their own partition, sorted by id (time-ordered), listed newest first. */
  webhookDelivery: (accountId: string, endpointId: string, id: string): Key => ({
    pk: webhookDeliveryPartition(accountId, endpointId),
    sk: `DLV#${id}`,
  }),
  /** Beside its recurring schedule: the mark of an event about a run that issued no invoice. */
  recurringEvent: (accountId: string, recurringId: string, eventId: string): Key => ({
    pk: recurringKey(accountId, recurringId).pk,
    sk: `EVENT#${eventId}`,
  }),
  creditNoteNumber: (accountId: string, number: string): Key => ({
    pk: `${acc(accountId)}#CNNO#${number}`,
    sk: 'CNNO',
  }),
  /**
   * Beside its invoice: one item per change, sorted by time then the version the change made.
   * Instants are stamped to the second, so the version orders the changes of one second; the
   * action tells apart entries that make no version (a stored PDF, for the version it shows).
   * The instant is written in one fixed form (milliseconds, UTC) so `…:10Z` and `…:10.500Z` sort by time.
   */
  historyEntry: (accountId: string, invoiceId: string, at: string, version: number, action: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `${HISTORY_SK}${new Date(at).toISOString()}#${String(version).padStart(9, '0')}#${action}`,
  }),
  /** Beside its invoice: one item per reminder sent, sorted by id (ULIDs), so by time. */
  reminder: (accountId: string, invoiceId: string, id: string): Key => ({
    pk: `${acc(accountId)}#INV#${invoiceId}`,
    sk: `${REMINDER_SK}${id}`,
  }),
  /** How many association labels the account has: its limit is a condition on this counter. */
  associationLabelCounter: (accountId: string): Key => ({ pk: acc(accountId), sk: 'COUNTER#ASSOCIATIONLABELS' }),
  /** How many snippets the account has: its limit is a condition on this counter. */
  snippetCounter: (accountId: string): Key => ({ pk: acc(accountId), sk: 'COUNTER#SNIPPETS' }),
  /** One item per snippet shortcut in use (lower-cased): a second snippet with it cannot be written. */
  snippetShortcut: (accountId: string, shortcut: string): Key => ({
    pk: `${acc(accountId)}#SNIPPETSHORTCUT#${shortcut.toLowerCase()}`,
    sk: 'SNIPPETSHORTCUT',
  }),
  /** A backfill's checkpoint (infra/local/backfill.ts, functions/jobs/backfill.handler.ts): not a tenant's. */
  backfill: (name: string): Key => ({ pk: 'BACKFILL', sk: `BACKFILL#${name}` }),
  /**
   * An API key, found by its id alone: the authorizer knows no account until it has the key. The
   * item names its account, and every change is conditional on it (api-key-store.ts).
   */
  apiKey: (id: string): Key => ({ pk: `APIKEY#${id}`, sk: 'APIKEY' }),
  /**
   * The counter chains kept before witnesses (chain-end.ts): the next sequence and the last link.
   * No longer written; read so that those chains' ends stay known.
   */
  chainCounter: (accountId: string): Key => ({ pk: acc(accountId), sk: 'COUNTER#CHAIN' }),
  /** One item per sequence, in one partition per account, zero-padded so the sort key orders them. */
  chainEntry: (accountId: string, sequence: number): Key => ({
    pk: `${acc(accountId)}#CHAIN`,
    sk: `${CHAIN_SK}${String(sequence).padStart(12, '0')}`,
  }),
};

export function metadataPartition(accountId: string, key: string, value: string): string {
  return `${acc(accountId)}#INVMETA#${createHash('sha256').update(key).update('\u0000').update(value).digest('hex')}`;
}

export const HISTORY_SK = 'HIST#';
export const CHECKOUT_SK = 'CHK#';
export const REMINDER_SK = 'REM#';
export const CHAIN_SK = 'SEQ#';

/** Sort key prefixes of the items kept beside an invoice, for `begins_with` queries. */
export const LEDGER_SK = { payment: 'PAY#', creditNote: 'CN#' } as const;

/** The past-due index is split over a few partitions so no one partition takes every open invoice. */
export const OVERDUE_SHARDS = 8;

export const overdueShardKey = (shard: number) => `OPEN#${shard}`;

/** gsi2 keys for an invoice that is open and not yet flagged past due; none otherwise (sparse). */
export function overdueIndexKeys(inv: {
  accountId: string;
  id: string;
  status: string;
  pastDue: boolean;
  dueDate: string | null;
}): { gsi2pk: string; gsi2sk: string } | Record<string, never> {
  if (inv.status !== 'open' || inv.pastDue || !inv.dueDate) return {};
  let hash = 0;
  for (const ch of inv.id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return { gsi2pk: overdueShardKey(hash % OVERDUE_SHARDS), gsi2sk: `${inv.dueDate}#${inv.accountId}#${inv.id}` };
}

/** The recurring schedules' due index (gsi7) is split like the past-due index. */
export const RECURRING_SHARDS = 8;

export const recurringShardKey = (shard: number) => `DUE#${shard}`;

/** The item key of a recurring schedule; the invoices it issued link into its partition (invoice-links.ts). */
export function recurringKey(accountId: string, id: string): Key {
  return keys.record(accountId, 'recurringInvoice', id);
}

/**
 * gsi7 keys for a schedule the job must look at: active, with a next run date (its shard, then
 * that date). Paused and ended schedules carry none (sparse), so the job never reads them.
 */
export function recurringDueKeys(s: {
  accountId: string;
  id: string;
  status: string;
  nextRunOn: string | null;
}): { gsi7pk: string; gsi7sk: string } | Record<string, never> {
  if (s.status !== 'active' || !s.nextRunOn) return {};
  let hash = 0;
  for (const ch of s.id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return { gsi7pk: recurringShardKey(hash % RECURRING_SHARDS), gsi7sk: `${s.nextRunOn}#${s.accountId}#${s.id}` };
}

/** The reminders index (gsi8) is split like the past-due index. */
export const REMINDER_SHARDS = 8;

export const reminderShardKey = (shard: number) => `REMIND#${shard}`;

/**
 * gsi8 keys for an invoice that has a reminder coming (domain/reminders/reminder-schedule.ts
 * `nextReminderOn`: open, a balance due, not paused, a pending step in its plan): its shard, then
 * the date of that step. None otherwise (sparse), so paying, voiding or pausing takes it out.
 */
export function reminderIndexKeys(
  inv: ReminderFields & { accountId: string; id: string },
): { gsi8pk: string; gsi8sk: string } | Record<string, never> {
  const on = nextReminderOn(inv);
  if (!on) return {};
  let hash = 0;
  for (const ch of inv.id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return { gsi8pk: reminderShardKey(hash % REMINDER_SHARDS), gsi8sk: `${on}#${inv.accountId}#${inv.id}` };
}

/** The gsi1 collections: an account's objects of one kind, sorted by id (ULIDs sort by time). */
export const collections = {
  invoices: (accountId: string) => `${acc(accountId)}#INVOICES`,
  records: (accountId: string, kind: string) => `${acc(accountId)}#${kind.toUpperCase()}S`,
  apiKeys: (accountId: string) => `${acc(accountId)}#APIKEYS`,
  /** History entries that witness a chain link (chain-end.ts), sorted by the sequence they took. */
  chainWitnesses: (accountId: string) => `${acc(accountId)}#CHAIN#WITNESSES`,
};

/** A chain witness's gsi1 sort key: the sequence, zero-padded like the entry's own key. */
export const chainWitnessSortKey = (sequence: number) => String(sequence).padStart(12, '0');

/**
 * The search indexes (domain/search/search-plan.ts): each holds an account's invoices ordered by
 * one property's sort value, then id, so a Query on a key range reads them in the order a search
 * sorts by. Every invoice is in all four (none is sparse): drafts without a number or due date
 * sort last there, as they do in memory.
 */
export const SEARCH_INDEX = {
  created: 'gsi3',
  owner: 'gsi4',
  status: 'gsi5',
  number: 'gsi6',
} as const satisfies Record<IndexScan['index'], string>;

/** The partition of an index scan (one account's invoices in one index). */
export function searchPartition(accountId: string, scan: IndexScan): string {
  switch (scan.index) {
    case 'created':
      return `${acc(accountId)}#INV#CREATED`;
    case 'owner':
      return `${acc(accountId)}#INV#OWNER#${scan.owner}`;
    case 'status':
      return `${acc(accountId)}#INV#STATUS#${scan.status}`;
    case 'number':
      return `${acc(accountId)}#INV#NUMBERS`;
  }
}

/** An index sort key: the invoice's sort value on the index's property, then its id. */
export const searchSortKey = (value: string, id: string) => `${value}#${id}`;

export function searchIndexKeys(inv: Invoice): Record<string, string> {
  const keyed = (scan: IndexScan) => {
    const name = SEARCH_INDEX[scan.index];
    return {
      [`${name}pk`]: searchPartition(inv.accountId, scan),
      [`${name}sk`]: searchSortKey(String(sortValue(inv, INDEX_ORDER[scan.index])), inv.id),
    };
  };
  return {
    ...keyed({ index: 'created' }),
    ...keyed({ index: 'owner', owner: inv.owner }),
    ...keyed({ index: 'status', status: inv.status }),
    ...keyed({ index: 'number' }),
  };
}

export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi7pk',
  'gsi7sk',
  'gsi8pk',
  'gsi8sk',
  ...Object.values(SEARCH_INDEX).flatMap((g) => [`${g}pk`, `${g}sk`]),
  'entity',
  'expiresAt',
] as const;
