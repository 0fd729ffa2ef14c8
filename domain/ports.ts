import type { Invoice } from './invoices/invoice.js';
import type { RecurringInvoice } from './recurring/recurring-invoice.js';
import type { InvoiceSettings, StoredSettings } from './settings/settings.js';
import type { Company, Contact, Versioned } from './crm/records.js';

/** What the generic record store keeps: a versioned object of one kind. */
export type Stored = Versioned & { kind: string };
import type { Payment } from './payments/payment.js';
import type { CreditNote } from './credit-notes/credit-note.js';
import type { Deal, Product, Quote } from './crm/sales-records.js';
import type { InvoiceStatus } from './invoices/status-machine.js';
import type { Change, HistoryEntry } from './audit/history.js';
import type { ChainEntry } from './audit/chain.js';
import type { Reminder } from './reminders/reminder.js';
import type { ReminderPlan } from './reminders/reminder-schedule.js';
import type { AssociationLabel } from './labels/association-label.js';
import type { Snippet } from './snippets/snippet.js';

/** A page of results and the opaque cursor of the next page, if any. */
export type Page<T> = { items: T[]; next: string | null };

/**
 * How an invoice write hands out a number, from the prefix's counter. Without `increment` the
 * counter moves in the same atomic write as the document that takes the number (conditional on the
 * value read), so no number is ever skipped: `onFinalize` numbering and credit notes. With it the
 * number comes from an atomic increment first and the document follows with its number guard, so
 * concurrent writers never wait on each other and a failed write leaves a gap: `onCreate` numbering,
 * where deleting a draft leaves one anyway.
 */
export type NumberRequest = { prefix: string; startNumber: number; increment?: SettingsBasis };

/**
 * The settings version a numbering decision was made on. Every settings save stamps its version on
 * the counter of the prefix it replaces and of the one it sets, so an increment conditional on the
 * version fails (`StaleSettings`) when the settings changed since: whatever a caller cached, a
 * number never comes from settings older than the last acknowledged save. Settings read in this
 * request (`cached: false`) may also meet a counter that was never stamped (written before this
 * rule, or never): that first increment stamps it.
 */
export type SettingsBasis = { settingsVersion: number; cached: boolean };

/** The settings a write was decided on are no longer the account's: read them again and redo it. */
export class StaleSettings extends Error {
  constructor() {
    super('the settings changed since they were read');
    this.name = 'StaleSettings';
  }
}

/** Number series with counters of their own: an invoice prefix and a credit note prefix never share one. */
export type NumberSeries = 'invoice' | 'creditNote';

/**
 * Invoices, persisted with their numbers and slugs. Every write is conditional: `create` fails with
 * a conflict if the slug is taken, `replace` and `remove` if the stored version has moved on
 * (a `VersionConflict`). A `NumberRequest` allocates the next
 * number atomically with the write, so a number is never handed out twice and never skipped.
 * Every write appends the `Change`'s history entry (domain/audit/history.ts) in the same atomic
 * write, and the write that issues an invoice (`isIssue`) takes the next link of the account's
 * chain in it too: a change is never stored without its entry, nor an entry without its change.
 */
export interface InvoiceStore {
  get(accountId: string, id: string): Promise<Invoice | null>;
  create(invoice: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice>;
  /** Writes `next` over `previous` if the stored version is still `previous.version`. */
  replace(previous: Invoice, next: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice>;
  /** Deletes a draft; its history stays readable for DELETED_HISTORY_DAYS. */
  remove(invoice: Invoice, change: Change): Promise<void>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Invoice>>;
  /** The invoice behind a buyer-facing URL: a connected domain (or null for the service's own) and slug. */
  getBySlug(domain: string | null, slug: string): Promise<Invoice | null>;
}

/** Account settings and the counters they govern. */
export interface SettingsStore {
  get(accountId: string): Promise<StoredSettings | null>;
  /**
   * The settings as this process last saw them, read (consistently) when it has not seen them yet;
   * `cached` says which. Only for decisions a write verifies (a `NumberRequest`'s `increment`).
   */
  recent?(accountId: string): Promise<{ settings: StoredSettings | null; cached: boolean }>;
  /** The next number the counter of `prefix` would hand out, or null if it never has (credit notes count apart from invoices). */
  counterNext(accountId: string, prefix: string, series?: NumberSeries): Promise<number | null>;
  /**
   * Writes the settings if the stored version is still `expectedVersion` (0: none stored), and
   * stamps the new version on the invoice counters of the prefix replaced (`previous`, read at
   * `expectedVersion`; the defaults' when none stored) and of the prefix set, in the same write.
   */
  save(
    accountId: string,
    settings: InvoiceSettings,
    expectedVersion: number,
    now: string,
    previous?: InvoiceSettings,
  ): Promise<StoredSettings>;
}

/** CRM records of one kind (contacts, companies), with the same conditional-write rules as invoices. */
/** Also saved views and export jobs: any versioned object of one kind, listed per account. */
export interface RecordStore<T extends Stored> {
  create(record: T): Promise<T>;
  get(accountId: string, id: string): Promise<T | null>;
  replace(previous: T, next: T): Promise<T>;
  remove(record: T): Promise<void>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<T>>;
}
export type ContactStore = RecordStore<Contact>;
export type CompanyStore = RecordStore<Company>;
export type DealStore = RecordStore<Deal>;
export type QuoteStore = RecordStore<Quote>;
export type ProductStore = RecordStore<Product>;

/** The CRM records an invoice names, and so the ones whose invoices can be listed. */
/** A recurring schedule lists the invoices it issued through the same links. */
export type LinkedKind = 'contact' | 'company' | 'deal' | 'quote' | 'recurringInvoice' | 'associationLabel';

/**
 * One invoice that names a record, and whether it has been issued (finalized: open, paid or
 * voided, all of which keep their records) or is still a draft.
 */
export type InvoiceLink = { invoiceId: string; issued: boolean };

/**
 * The record → invoices side of associations: one entry per (record, invoice), kept by the
 * invoice store in the same write as the invoice, so it never disagrees with the invoices.
 */
export interface InvoiceLinkIndex {
  /** A page of the invoices naming the record, newest first (reads grow with the page, not the account). */
  list(
    accountId: string,
    kind: LinkedKind,
    recordId: string,
    limit: number,
    cursor: string | null,
  ): Promise<Page<InvoiceLink>>;
}

export interface Clock {
  now(): Date;
}

/** Ids and unguessable slugs. */
export interface IdGenerator {
  id(prefix: string): string;
  slug(): string;
}

/** A conditional write lost to a concurrent one; the use case re-reads and decides again. */
export class VersionConflict extends Error {
  constructor() {
    super('the object was changed by a concurrent write');
    this.name = 'VersionConflict';
  }
}

/** PDFs and exports in object storage (S3), handed out as short-lived signed links. */
export interface DocumentStore {
  /**
   * Stores a file. An `issued` document (the PDF of a finalized invoice or of a credit note) is a
   * record the law says to keep unaltered: storage locks it for its retention period, where it has one.
   */
  put(key: string, body: Uint8Array, contentType: string, options?: { issued?: boolean }): Promise<void>;
  /** The object's bytes, or null if there is none (audit verification hashes stored files). */
  get(key: string): Promise<Uint8Array | null>;
  /**
   * A signed GET link valid for `expiresInSeconds` (at most 15 minutes; more is refused). With a
   * `filename`, the download is served under that name instead of the key's last segment.
   */
  signedUrl(
    key: string,
    expiresInSeconds: number,
    options?: { filename?: string },
  ): Promise<{ url: string; expiresAt: string }>;
}

/** Turns one HTML document into a PDF (headless Chromium). */
export interface PdfRenderer {
  render(html: string, options: { format: 'A4' | 'Letter' }): Promise<Uint8Array>;
}

/** Email to a buyer: one RFC 5322 message per recipient. */
/** A picture carried inside a message and shown by its HTML as `cid:<cid>` (the seller's logo). */
export type InlineImage = { cid: string; contentType: string; content: Uint8Array };

export type MailMessage = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * Pictures the HTML shows, carried in the message: mail clients block `data:` and remote images,
   * but show a part of the message itself.
   */
  inline?: InlineImage[];
  /**
   * Names this message once (an invoice, the request that sends it, the recipient): a mailer
   * that can (the local outbox) writes a message with a name it has seen before only once.
   */
  idempotencyKey?: string;
};
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * The PDF last rendered for an invoice: for which status and version, where it is, its SHA-256, and
 * (`content`) a fingerprint of the money it shows, since payments and credits change it within `open`.
 */
export type PdfRecord = { key: string; sha256: string; status: Invoice['status']; version: number; content?: string };

/** Kept beside the invoice; `put` only ever moves to a higher version (a replay cannot regress it). */
export interface PdfRecordStore {
  get(accountId: string, invoiceId: string): Promise<PdfRecord | null>;
  /**
   * With `stored` (the renderer has just put this file in the bucket), the same write appends the
   * invoice's `pdfStored` history entry and the file's link of the account's chain; a replay that
   * loses to a record already there appends nothing.
   */
  put(accountId: string, invoiceId: string, record: PdfRecord, stored?: { number: string | null }): Promise<void>;
}

/** Makes a rendered invoice PDF a Factur-X (PDF/A-3) hybrid carrying the CII XML. */
export interface FacturxEmbedder {
  embed(pdf: Uint8Array, ciiXml: string, meta: { title: string; author: string; createdAt: Date }): Promise<Uint8Array>;
}

/**
 * The e-invoice stored beside an issued invoice's PDF. `store` records it once: the record, the
 * invoice's `einvoice` mark, its `einvoiceStored` history entry (the link's witness) and the file's
 * link of the account's chain in one write; a replay
 * (a record already there) changes nothing.
 */
export interface EinvoiceRecordStore {
  store(
    invoice: { accountId: string; id: string; number: string | null; version: number },
    file: { key: string; sha256: string; syntax: 'ubl' },
  ): Promise<boolean>;
}

/** An open invoice in the past-due index: not yet flagged, with its due date. */
export type OverdueCandidate = { accountId: string; invoiceId: string; dueDate: string };

/** One page read from the past-due index: what it held, and how many items storage read for it. */
export type OverduePage = { candidates: OverdueCandidate[]; itemsRead: number };

/**
 * The sparse index of open invoices not yet flagged past due (only they carry an entry, so reading
 * it costs what is due, never the table). Flagging an invoice takes it out of the index.
 */
export interface OverdueIndex {
  /** Every entry, over all partitions, whose due date is before `dueBefore` (`YYYY-MM-DD`), page by page. */
  read(dueBefore: string): AsyncIterable<OverduePage>;
  /**
   * Sets `pastDue` (bumping the version and `updatedAt` to `now`) if the invoice is still open and
   * not flagged; false when it is not (paid, voided or flagged by a concurrent run meanwhile).
   */
  flag(accountId: string, invoiceId: string, now: string): Promise<boolean>;
}

/**
 * Payments and credit notes, each an item beside its invoice. Each is written in ONE transaction
 * with the invoice's new totals, conditional on the invoice's version, so two racing writers cannot
 * both spend the same balance: the loser gets a `VersionConflict`, re-reads and decides again.
 */
export interface LedgerStore {
  /** Writes the payment and `next` over `previous`, if the stored invoice is still `previous.version`. */
  recordPayment(previous: Invoice, next: Invoice, payment: Payment, change: Change): Promise<void>;
  /**
   * The same for a credit note, which takes the next number of its own series and the next link of
   * the account's chain in that transaction.
   */
  issueCreditNote(
    previous: Invoice,
    next: Invoice,
    creditNote: CreditNote,
    numbering: NumberRequest,
    change: Change,
  ): Promise<CreditNote>;
  /** Oldest first. */
  payments(accountId: string, invoiceId: string): Promise<Payment[]>;
  /** Oldest first. */
  creditNotes(accountId: string, invoiceId: string): Promise<CreditNote[]>;
  getCreditNote(accountId: string, id: string): Promise<CreditNote | null>;
  /**
   * Sets the credit note's `pdf` to ready (a derived fact: its content never changes), appending the
   * file's history entry and chain link in the same write; only the first call for a credit note does.
   */
  markCreditNotePdfReady(creditNote: CreditNote, sha256: string, objectKey: string): Promise<void>;
}

/**
 * The indexes search reads (functions/dynamodb/invoice-search-index.ts). Each keeps one account's
 * invoices in the order of one property's sort value (domain/search/invoice-properties.ts
 * `sortValue`), then id: `created` and `owner` by createdAt, `status` by dueDate, `number` by number.
 */
export type IndexScan = (
  | { index: 'created' }
  | { index: 'owner'; owner: string }
  | { index: 'status'; status: InvoiceStatus }
  | { index: 'number' }
) & { range?: { lo?: string; hi?: string } };

/** Where a read resumes: the sort value and id of the last invoice taken. */
export type SortPosition = { value: string; id: string };

export interface InvoiceSearchIndex {
  /**
   * At most `limit` invoices of one index, in its order (reversed when `descending`), strictly after
   * `after`, with sort values within `range` (inclusive). `done` once nothing is left.
   */
  read(
    accountId: string,
    scan: IndexScan,
    opts: { descending: boolean; after: SortPosition | null; limit: number },
  ): Promise<{ items: Invoice[]; done: boolean }>;
  /** The invoices naming a contact or company, at most `max` of them (`overflow` if there are more). */
  linked(
    accountId: string,
    kind: 'contact' | 'company' | 'associationLabel',
    recordId: string,
    max: number,
  ): Promise<{ items: Invoice[]; overflow: boolean }>;
  /** The invoices whose metadata sets `key` to `value`, at most `max` of them (`overflow` if there are more). */
  withMetadata(
    accountId: string,
    key: string,
    value: string,
    max: number,
  ): Promise<{ items: Invoice[]; overflow: boolean }>;
}

/** A schedule in the due index: the account and id, and the date it is due (in its account's zone). */
export type DueSchedule = { accountId: string; id: string; nextRunOn: string };

/** One page read from the due index, and how many items storage read for it. */
export type DuePage = { candidates: DueSchedule[]; itemsRead: number };

/** Another run claimed the period first (or the schedule changed since it was read). */
export class RunClaimed extends Error {
  constructor() {
    super('the period was claimed by another run, or the schedule changed meanwhile');
    this.name = 'RunClaimed';
  }
}

/**
 * Recurring invoice schedules. Every write is conditional on the stored version. Only active
 * schedules (and those whose last run failed, still awaiting the same run) are in the due index,
 * keyed by the next run date, so reading it costs what is due, never the table.
 */
export interface RecurringStore {
  get(accountId: string, id: string): Promise<RecurringInvoice | null>;
  create(schedule: RecurringInvoice): Promise<RecurringInvoice>;
  /** Writes `next` over `previous` if the stored version is still `previous.version` (else `VersionConflict`). */
  replace(previous: RecurringInvoice, next: RecurringInvoice): Promise<RecurringInvoice>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<RecurringInvoice>>;
  /** Every schedule due before `dueBefore` (`YYYY-MM-DD`), over all partitions, page by page. */
  readDue(dueBefore: string): AsyncIterable<DuePage>;
  /**
   * Claims the period and issues its invoice in ONE transaction: `next` over `previous` on the
   * condition that the stored version is still `previous.version` and the period (`lastRunIndex`)
   * has not been issued, together with the invoice's own writes (and its number, when `numbering`
   * asks for one). A lost claim cancels the invoice too and throws `RunClaimed`: a period is
   * issued exactly once however many runs race or retry.
   */
  issue(
    previous: RecurringInvoice,
    next: RecurringInvoice,
    invoice: Invoice,
    change: Change,
    numbering?: NumberRequest,
  ): Promise<Invoice>;
}

/** Where the chain stands: the sequence the next entry takes and the link it follows. */
export type ChainHead = { next: number; head: string };

/**
 * The audit trail as written by the stores above: invoices' history entries and each account's
 * chain of issued documents. Read only: entries are written with the changes they record.
 */
export interface AuditLog {
  /** An invoice's entries, oldest first; a deleted draft's until they expire (`now` decides). */
  history(
    accountId: string,
    invoiceId: string,
    limit: number,
    cursor: string | null,
    now: Date,
  ): Promise<Page<HistoryEntry>>;
  /** The chain, in sequence order, strictly after `afterSequence`. */
  chain(accountId: string, afterSequence: number, limit: number): Promise<ChainEntry[]>;
  /**
   * How far the chain is known to have gone, from more than its entries (which a deletion at the
   * end would leave no gap in); null before the account's first issued document. It may lag a
   * moment behind the entries, never run ahead of what was written.
   */
  head(accountId: string): Promise<ChainHead | null>;
}

/** An invoice in the reminders index: its account and id, and the date of its next step. */
export type ReminderCandidate = { accountId: string; invoiceId: string; remindOn: string };

/** One page read from the reminders index, and how many items storage read for it. */
export type ReminderPage = { candidates: ReminderCandidate[]; itemsRead: number };

/**
 * Payment reminders. Open invoices with a balance, not paused and with a pending step of their
 * plan carry keys in a sparse index by the date of that step (functions/dynamodb/keys.ts), set by
 * the invoice store in every write of the invoice, so reading it costs what is due, never the table.
 */
export interface ReminderIndex {
  /** Every entry whose next step falls before `before` (`YYYY-MM-DD`), over all partitions, page by page. */
  readDue(before: string): AsyncIterable<ReminderPage>;
  /**
   * Claims a reminder in ONE transaction: `next` over `previous` if the stored version is still
   * `previous.version` (else `VersionConflict`), the reminder's item (none when nobody can be
   * emailed) and the change's history entry. The email goes out only after a claim won, so two
   * runs at once send a step once.
   */
  claim(previous: Invoice, next: Invoice, reminder: Reminder | null, change: Change): Promise<void>;
  /** The reminders sent for an invoice, oldest first. */
  list(accountId: string, invoiceId: string): Promise<Reminder[]>;
  /**
   * Sets the invoice's `reminderPlan` and its index keys to follow it, without a new version (a
   * derived fact, like the PDF state), if the stored version is still `invoice.version`; false if not.
   */
  rekey(invoice: Invoice, plan: ReminderPlan): Promise<boolean>;
  /** `rekey` over every open invoice of the account (read from the status index, never a Scan); how many moved. */
  rekeyAccount(accountId: string, plan: ReminderPlan): Promise<number>;
}

/** The account already has as many association labels as it may (MAX_ASSOCIATION_LABELS). */
export class LabelLimitReached extends Error {
  constructor() {
    super('the account has the most association labels it may have');
    this.name = 'LabelLimitReached';
  }
}

/** An invoice still names the label on one of its associations. */
export class LabelInUse extends Error {
  constructor() {
    super('an invoice uses the label');
    this.name = 'LabelInUse';
  }
}

/**
 * Association labels. The per-account limit is a counter moved in the same transaction as the
 * label, and a label is deleted only while no invoice names it: invoices name their labels through
 * link items in the label's partition (written with the invoice), and a write that adds a label to
 * an invoice checks, in its transaction, that the label exists and is not being deleted.
 */
export interface AssociationLabelStore {
  /** Throws `LabelLimitReached` at the limit. */
  create(label: AssociationLabel): Promise<AssociationLabel>;
  get(accountId: string, id: string): Promise<AssociationLabel | null>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<AssociationLabel>>;
  /** Throws `LabelInUse` while an invoice names it. */
  remove(label: AssociationLabel, now: string): Promise<void>;
}

/** Another snippet of the account has the shortcut. */
export class ShortcutTaken extends Error {
  constructor() {
    super('the shortcut is taken');
    this.name = 'ShortcutTaken';
  }
}

/** The account already has as many snippets as it may (MAX_SNIPPETS). */
export class SnippetLimitReached extends Error {
  constructor() {
    super('the account has the most snippets it may have');
    this.name = 'SnippetLimitReached';
  }
}

/**
 * Comment snippets. A shortcut is unique per account (ignoring case) by a guard item written in the
 * same transaction as the snippet, and the per-account limit is a counter moved in it too.
 */
export interface SnippetStore {
  /** Throws `ShortcutTaken` or `SnippetLimitReached`. */
  create(snippet: Snippet): Promise<Snippet>;
  get(accountId: string, id: string): Promise<Snippet | null>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Snippet>>;
  /** Throws `VersionConflict` if the stored version moved, `ShortcutTaken` if the new shortcut is. */
  replace(previous: Snippet, next: Snippet): Promise<Snippet>;
  remove(snippet: Snippet): Promise<void>;
}
