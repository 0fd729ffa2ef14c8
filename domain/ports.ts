import type { Invoice } from './invoices/invoice.js';
import type { InvoiceSettings, StoredSettings } from './settings/settings.js';
import type { Company, Contact, CrmRecord } from './crm/records.js';

/** A page of results and the opaque cursor of the next page, if any. */
export type Page<T> = { items: T[]; next: string | null };

/** How an invoice write hands out a number: in the same atomic write, from the prefix's counter. */
export type NumberRequest = { prefix: string; startNumber: number };

/**
 * Invoices, persisted with their numbers and slugs. Every write is conditional: `create` fails with
 * a conflict if the slug is taken, `replace` and `remove` if the stored version has moved on
 * (a `VersionConflict`). A `NumberRequest` allocates the next
 * number atomically with the write, so a number is never handed out twice and never skipped.
 */
export interface InvoiceStore {
  get(accountId: string, id: string): Promise<Invoice | null>;
  create(invoice: Invoice, numbering?: NumberRequest): Promise<Invoice>;
  /** Writes `next` over `previous` if the stored version is still `previous.version`. */
  replace(previous: Invoice, next: Invoice, numbering?: NumberRequest): Promise<Invoice>;
  remove(invoice: Invoice): Promise<void>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Invoice>>;
}

/** Account settings and the counters they govern. */
export interface SettingsStore {
  get(accountId: string): Promise<StoredSettings | null>;
  /** The next number the counter of `prefix` would hand out, or null if it never has. */
  counterNext(accountId: string, prefix: string): Promise<number | null>;
  /** Writes the settings if the stored version is still `expectedVersion` (0: none stored). */
  save(accountId: string, settings: InvoiceSettings, expectedVersion: number, now: string): Promise<StoredSettings>;
}

/** CRM records of one kind (contacts, companies), with the same conditional-write rules as invoices. */
export interface RecordStore<T extends CrmRecord> {
  create(record: T): Promise<T>;
  get(accountId: string, id: string): Promise<T | null>;
  replace(previous: T, next: T): Promise<T>;
  remove(record: T): Promise<void>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<T>>;
}
export type ContactStore = RecordStore<Contact>;
export type CompanyStore = RecordStore<Company>;

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
