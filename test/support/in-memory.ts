import type { Actor } from '../../domain/auth/actor.js';
import type { Company, Contact } from '../../domain/crm/records.js';
import { DomainError } from '../../domain/errors.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { InvoiceDeps } from '../../domain/invoices/invoice-use-cases.js';
import { formatInvoiceNumber, nextNumber } from '../../domain/invoices/numbering.js';
import {
  VersionConflict,
  type Clock,
  type IdGenerator,
  type InvoiceStore,
  type LedgerStore,
  type NumberSeries,
  type NumberRequest,
  type Page,
  type RecordStore,
  type SettingsStore,
  type Stored,
} from '../../domain/ports.js';
import type { InvoiceSettings, StoredSettings } from '../../domain/settings/settings.js';
import type { CreditNote } from '../../domain/credit-notes/credit-note.js';
import type { Payment } from '../../domain/payments/payment.js';
import {
  DELETED_HISTORY_DAYS,
  fileStoredEntry,
  historyEntry,
  type Change,
  type HistoryEntry,
} from '../../domain/audit/history.js';
import {
  chainEntry,
  creditNoteChainDocument,
  fileChainDocument,
  GENESIS,
  invoiceChainDocument,
  isIssue,
  type ChainDocument,
  type ChainEntry,
} from '../../domain/audit/chain.js';
import type { AuditLog, ChainHead } from '../../domain/ports.js';

/**
 * In-memory fakes of the domain's ports, with the same conditional-write semantics as the DynamoDB
 * adapters in functions/dynamodb/: every write checks the version it was given, slugs are unique per
 * (domain, slug), and numbers come from one counter per (account, prefix) that the invoice store bumps
 * and the settings store reads. Stored objects are copied in and out, so a caller mutating what it got
 * back cannot change what is stored.
 */

/** `next` number of each (account, prefix) counter; shared by the invoice and settings fakes. */
export type Counters = Map<string, number>;

const counterKey = (accountId: string, prefix: string) => `${accountId}#${prefix}`;
const objectKey = (accountId: string, id: string) => `${accountId}#${id}`;
const slugKey = (domain: string | null, slug: string) => `${domain ?? '-'}#${slug}`;
const copy = <T>(value: T): T => structuredClone(value);

/** Newest first by id (the sequential ids below sort by creation, as ULIDs do); the cursor is the last id served. */
function page<T extends { id: string }>(all: T[], limit: number, cursor: string | null): Page<T> {
  const sorted = [...all]
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .filter((x) => cursor === null || x.id < cursor);
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(copy), next: sorted.length > limit && last ? last.id : null };
}

/** A concurrent writer's change to an invoice, applied (with a version bump) just before one of our writes. */
export type ConcurrentChange = (stored: Invoice) => Partial<Invoice>;

export class InMemoryInvoiceStore implements InvoiceStore {
  readonly invoices = new Map<string, Invoice>();
  /** (domain, slug) → invoice id */
  readonly slugs = new Map<string, string>();
  /** The number guard: every number ever issued, per account (deleting a draft does not free it). */
  readonly issued = new Set<string>();
  private readonly concurrent: ConcurrentChange[] = [];
  /** Every history entry, in the order written (the DynamoDB store keeps them beside each invoice). */
  readonly history: (HistoryEntry & { expiresAt?: number })[] = [];
  /** Each account's chain of issued documents. */
  readonly chains = new Map<string, ChainEntry[]>();

  constructor(readonly counters: Counters = new Map()) {}

  /**
   * Queues changes that another writer makes to the stored invoice just before each of our next
   * `replace`/`remove` calls, so that call fails its version condition as it would in DynamoDB.
   */
  interleave(...changes: ConcurrentChange[]): void {
    this.concurrent.push(...changes);
  }

  async get(accountId: string, id: string): Promise<Invoice | null> {
    const found = this.invoices.get(objectKey(accountId, id));
    return found ? copy(found) : null;
  }

  async getBySlug(domain: string | null, slug: string): Promise<Invoice | null> {
    const id = this.slugs.get(slugKey(domain, slug));
    const found = id === undefined ? undefined : [...this.invoices.values()].find((i) => i.id === id);
    return found ? copy(found) : null;
  }

  async list(accountId: string, limit: number, cursor: string | null): Promise<Page<Invoice>> {
    return page(
      [...this.invoices.values()].filter((i) => i.accountId === accountId),
      limit,
      cursor,
    );
  }

  async create(invoice: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice> {
    if (this.invoices.has(objectKey(invoice.accountId, invoice.id)))
      throw new Error(`invoice ${invoice.id} already exists`);
    this.assertSlugFree(invoice);
    const { inv, commit } = this.allocate(invoice, numbering);
    this.invoices.set(objectKey(inv.accountId, inv.id), copy(inv));
    this.slugs.set(slugKey(inv.domain, inv.slug), inv.id);
    commit();
    this.history.push(historyEntry(change, null, inv));
    return copy(inv);
  }

  async replace(previous: Invoice, next: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice> {
    this.runConcurrentWriter(previous);
    const stored = this.invoices.get(objectKey(previous.accountId, previous.id));
    if (!stored || stored.version !== previous.version) throw new VersionConflict();
    const slugMoved = previous.slug !== next.slug || previous.domain !== next.domain;
    if (slugMoved) this.assertSlugFree(next);
    const { inv, commit } = this.allocate(next, numbering);
    this.invoices.set(objectKey(inv.accountId, inv.id), copy(inv));
    if (slugMoved) {
      this.slugs.delete(slugKey(previous.domain, previous.slug));
      this.slugs.set(slugKey(inv.domain, inv.slug), inv.id);
    }
    commit();
    this.history.push(historyEntry(change, previous, inv));
    if (isIssue(previous, inv)) this.appendChain(inv.accountId, invoiceChainDocument(inv));
    return copy(inv);
  }

  /** The next link of the account's chain, as the DynamoDB stores take it in the issuing write. */
  appendChain(accountId: string, doc: ChainDocument): ChainEntry {
    const chain = this.chains.get(accountId) ?? [];
    const entry = chainEntry(doc, chain.length + 1, chain.at(-1)?.chain ?? GENESIS);
    this.chains.set(accountId, [...chain, entry]);
    return entry;
  }

  async remove(invoice: Invoice, change: Change): Promise<void> {
    this.runConcurrentWriter(invoice);
    const stored = this.invoices.get(objectKey(invoice.accountId, invoice.id));
    if (!stored || stored.version !== invoice.version) throw new VersionConflict();
    this.invoices.delete(objectKey(invoice.accountId, invoice.id));
    this.slugs.delete(slugKey(invoice.domain, invoice.slug));
    const expiresAt = Math.floor(new Date(change.at).getTime() / 1000) + DELETED_HISTORY_DAYS * 86_400;
    this.history.push(historyEntry(change, invoice, null));
    for (const e of this.history)
      if (e.accountId === invoice.accountId && e.invoiceId === invoice.id) e.expiresAt = expiresAt;
  }

  private runConcurrentWriter(target: Invoice): void {
    const change = this.concurrent.shift();
    const key = objectKey(target.accountId, target.id);
    const stored = this.invoices.get(key);
    if (change && stored) this.invoices.set(key, { ...stored, ...change(copy(stored)), version: stored.version + 1 });
  }

  private assertSlugFree(inv: Invoice): void {
    const owner = this.slugs.get(slugKey(inv.domain, inv.slug));
    if (owner !== undefined && owner !== inv.id) {
      throw new DomainError('conflict', `The slug ${inv.slug} is already used`, [
        { path: 'slug', message: 'is already used' },
      ]);
    }
  }

  /** The number the counter hands out, and the counter bump and guard to commit with the write. */
  private allocate(invoice: Invoice, numbering: NumberRequest | undefined): { inv: Invoice; commit: () => void } {
    if (!numbering) return { inv: invoice, commit: () => {} };
    const key = counterKey(invoice.accountId, numbering.prefix);
    const n = nextNumber(this.counters.get(key) ?? null, numbering.startNumber);
    const number = formatInvoiceNumber(numbering.prefix, n);
    const guard = objectKey(invoice.accountId, number);
    // The real store's guard item would refuse this write; with a correct counter it never happens.
    if (this.issued.has(guard)) throw new Error(`number ${number} was already issued`);
    return {
      inv: { ...invoice, number },
      commit: () => {
        this.counters.set(key, n + 1);
        this.issued.add(guard);
      },
    };
  }
}

export class InMemorySettingsStore implements SettingsStore {
  readonly saved = new Map<string, StoredSettings>();

  constructor(readonly counters: Counters = new Map()) {}

  async get(accountId: string): Promise<StoredSettings | null> {
    const found = this.saved.get(accountId);
    return found ? copy(found) : null;
  }

  async counterNext(accountId: string, prefix: string, series: NumberSeries = 'invoice'): Promise<number | null> {
    return (
      this.counters.get(
        series === 'creditNote' ? creditNoteCounterKey(accountId, prefix) : counterKey(accountId, prefix),
      ) ?? null
    );
  }

  async save(
    accountId: string,
    settings: InvoiceSettings,
    expectedVersion: number,
    now: string,
  ): Promise<StoredSettings> {
    if ((this.saved.get(accountId)?.version ?? 0) !== expectedVersion) throw new VersionConflict();
    const stored: StoredSettings = { ...copy(settings), accountId, version: expectedVersion + 1, updatedAt: now };
    this.saved.set(accountId, stored);
    return copy(stored);
  }
}

export class InMemoryRecordStore<T extends Stored> implements RecordStore<T> {
  readonly records = new Map<string, T>();

  async create(record: T): Promise<T> {
    const key = objectKey(record.accountId, record.id);
    if (this.records.has(key)) throw new Error(`record ${record.id} already exists`);
    this.records.set(key, copy(record));
    return copy(record);
  }

  async get(accountId: string, id: string): Promise<T | null> {
    const found = this.records.get(objectKey(accountId, id));
    return found ? copy(found) : null;
  }

  async replace(previous: T, next: T): Promise<T> {
    const key = objectKey(previous.accountId, previous.id);
    if (this.records.get(key)?.version !== previous.version) throw new VersionConflict();
    this.records.set(key, copy(next));
    return copy(next);
  }

  async remove(record: T): Promise<void> {
    const key = objectKey(record.accountId, record.id);
    if (this.records.get(key)?.version !== record.version) throw new VersionConflict();
    this.records.delete(key);
  }

  async list(accountId: string, limit: number, cursor: string | null): Promise<Page<T>> {
    return page(
      [...this.records.values()].filter((r) => r.accountId === accountId),
      limit,
      cursor,
    );
  }
}

/** The credit note series counts apart from the invoice series, even under the same prefix. */
const creditNoteCounterKey = (accountId: string, prefix: string) => `${accountId}#creditNote#${prefix}`;

/**
 * Payments and credit notes beside their invoices. The invoice half of each write goes through the
 * invoice fake's `replace` (so `interleave` and its version check apply); the item is stored only
 * if that succeeded, which is the all-or-nothing of the real store's one transaction.
 */
export class InMemoryLedgerStore implements LedgerStore {
  readonly payments_ = new Map<string, Payment[]>();
  readonly creditNotes_ = new Map<string, CreditNote[]>();
  /** Credit note numbers issued, per account (the guard). */
  readonly issuedCreditNotes = new Set<string>();

  constructor(
    private readonly invoices: InMemoryInvoiceStore,
    readonly counters: Counters = new Map(),
  ) {}

  async recordPayment(previous: Invoice, next: Invoice, payment: Payment, change: Change): Promise<void> {
    await this.invoices.replace(previous, next, change);
    const key = objectKey(payment.accountId, payment.invoiceId);
    this.payments_.set(key, [...(this.payments_.get(key) ?? []), copy(payment)]);
  }

  async issueCreditNote(
    previous: Invoice,
    next: Invoice,
    creditNote: CreditNote,
    numbering: NumberRequest,
    change: Change,
  ): Promise<CreditNote> {
    const counter = creditNoteCounterKey(creditNote.accountId, numbering.prefix);
    const n = nextNumber(this.counters.get(counter) ?? null, numbering.startNumber);
    const number = formatInvoiceNumber(numbering.prefix, n);
    const guard = objectKey(creditNote.accountId, number);
    if (this.issuedCreditNotes.has(guard)) throw new Error(`credit note number ${number} was already issued`);
    await this.invoices.replace(previous, next, { ...change, detail: { ...change.detail, creditNoteNumber: number } });
    const stored = { ...copy(creditNote), number };
    this.invoices.appendChain(creditNote.accountId, creditNoteChainDocument(stored));
    this.counters.set(counter, n + 1);
    this.issuedCreditNotes.add(guard);
    const key = objectKey(creditNote.accountId, creditNote.invoiceId);
    this.creditNotes_.set(key, [...(this.creditNotes_.get(key) ?? []), stored]);
    return copy(stored);
  }

  async payments(accountId: string, invoiceId: string): Promise<Payment[]> {
    return copy(this.payments_.get(objectKey(accountId, invoiceId)) ?? []);
  }

  async creditNotes(accountId: string, invoiceId: string): Promise<CreditNote[]> {
    return copy(this.creditNotes_.get(objectKey(accountId, invoiceId)) ?? []);
  }

  async getCreditNote(accountId: string, id: string): Promise<CreditNote | null> {
    const found = [...this.creditNotes_.values()].flat().find((c) => c.accountId === accountId && c.id === id);
    return found ? copy(found) : null;
  }

  async markCreditNotePdfReady(creditNote: CreditNote, sha256: string, key: string): Promise<void> {
    const list = this.creditNotes_.get(objectKey(creditNote.accountId, creditNote.invoiceId)) ?? [];
    const found = list.find((c) => c.id === creditNote.id);
    if (!found || found.pdf.status === 'ready') return;
    found.pdf = { status: 'ready', sha256 };
    const at = new Date().toISOString();
    const { accountId, invoiceId, id, number } = creditNote;
    this.invoices.history.push(fileStoredEntry(accountId, invoiceId, at, { sha256, objectKey: key, creditNoteId: id }));
    this.invoices.appendChain(
      accountId,
      fileChainDocument({ documentId: id, invoiceId, number, sha256, objectKey: key, at }),
    );
  }
}

/** Reads the invoice fake's history and chains, as DynamoAuditLog reads the table. */
export class InMemoryAuditLog implements AuditLog {
  constructor(private readonly invoices: InMemoryInvoiceStore) {}

  async history(accountId: string, invoiceId: string, limit: number, cursor: string | null, now: Date) {
    const all = this.invoices.history
      .filter((e) => e.accountId === accountId && e.invoiceId === invoiceId)
      .filter((e) => e.expiresAt === undefined || e.expiresAt > now.getTime() / 1000);
    const start = cursor === null ? 0 : Number(cursor);
    const items = all.slice(start, start + limit).map(({ expiresAt: _e, ...e }) => copy(e));
    return { items, next: start + limit < all.length ? String(start + limit) : null };
  }

  async chain(accountId: string, afterSequence: number, limit: number): Promise<ChainEntry[]> {
    return copy((this.invoices.chains.get(accountId) ?? []).filter((e) => e.sequence > afterSequence).slice(0, limit));
  }

  async head(accountId: string): Promise<ChainHead | null> {
    const chain = this.invoices.chains.get(accountId) ?? [];
    const last = chain.at(-1);
    return last ? { next: last.sequence + 1, head: last.chain } : null;
  }
}

/** A clock that stands still until a test moves it. */
export class FakeClock implements Clock {
  private current: Date;
  constructor(start: string | Date = '2026-11-27T15:00:00Z') {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(instant: string | Date): void {
    this.current = new Date(instant);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Ids that sort by creation (as ULIDs do) and pass the id and slug schemas: `inv_000001`, `s000002`. */
export class SequentialIds implements IdGenerator {
  private n = 0;
  id(prefix: string): string {
    return `${prefix}_${String(++this.n).padStart(6, '0')}`;
  }
  slug(): string {
    return `s${String(++this.n).padStart(6, '0')}`;
  }
}

export const actorFor = (accountId: string, userId = 'user_1'): Actor => ({
  userId,
  accountId,
  superAdmin: true,
  permissions: [],
});

/** The invoice use cases' dependencies, all in memory, with one counter map behind invoices and settings. */
export function inMemoryDeps(clockStart?: string) {
  const counters: Counters = new Map();
  const invoices = new InMemoryInvoiceStore(counters);
  const settings = new InMemorySettingsStore(counters);
  const contacts = new InMemoryRecordStore<Contact>();
  const companies = new InMemoryRecordStore<Company>();
  const clock = new FakeClock(clockStart);
  const ids = new SequentialIds();
  const ledger = new InMemoryLedgerStore(invoices, counters);
  const deps: InvoiceDeps = { invoices, settings, contacts, companies, clock, ids, ledger };
  const audit = new InMemoryAuditLog(invoices);
  return { deps, invoices, settings, contacts, companies, clock, ids, counters, ledger, audit };
}
export type InMemoryDeps = ReturnType<typeof inMemoryDeps>;

/** Stores a contact in an account and returns its id. */
export async function seedContact(d: InMemoryDeps, accountId: string): Promise<string> {
  const now = d.clock.now().toISOString();
  const contact: Contact = {
    id: d.ids.id('con'),
    accountId,
    kind: 'contact',
    version: 1,
    createdAt: now,
    updatedAt: now,
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    address: null,
  };
  return (await d.contacts.create(contact)).id;
}

/** Stores a company in an account and returns its id. */
export async function seedCompany(d: InMemoryDeps, accountId: string, name = 'Acme'): Promise<string> {
  const now = d.clock.now().toISOString();
  const company: Company = {
    id: d.ids.id('com'),
    accountId,
    kind: 'company',
    version: 1,
    createdAt: now,
    updatedAt: now,
    name,
    domain: null,
    address: null,
  };
  return (await d.companies.create(company)).id;
}

/** The DomainError a call fails with; any other outcome fails the test. */
export async function domainError(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected the call to fail with a DomainError');
}
