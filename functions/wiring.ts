import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Company, Contact } from '../domain/crm/records.js';
import type { InvoiceDeps } from '../domain/invoices/invoice-use-cases.js';
import type { Clock, IdGenerator } from '../domain/ports.js';
import { env } from './config/env.js';
import { documentClient } from './dynamodb/client.js';
import { DynamoIdempotencyStore } from './dynamodb/idempotency-store.js';
import { DynamoInvoiceStore } from './dynamodb/invoice-store.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { DynamoSettingsStore } from './dynamodb/settings-store.js';

const ulid = monotonicFactory();

export const systemClock: Clock = { now: () => new Date() };

/** ULIDs sort by creation time, which gives lists their newest-first order; slugs carry 128 random bits. */
export const ulidIds: IdGenerator = {
  id: (prefix) => `${prefix}_${ulid()}`,
  slug: () => randomBytes(16).toString('hex'),
};

/** The adapters every handler shares, built once per process (a Lambda's cold start). */
export function wire() {
  const config = env();
  const db = documentClient({ tableName: config.TABLE_NAME, endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const deps: InvoiceDeps = {
    invoices: new DynamoInvoiceStore(db, config.TABLE_NAME),
    settings: new DynamoSettingsStore(db, config.TABLE_NAME),
    contacts: new DynamoRecordStore<Contact>(db, config.TABLE_NAME, 'contact'),
    companies: new DynamoRecordStore<Company>(db, config.TABLE_NAME, 'company'),
    clock: systemClock,
    ids: ulidIds,
  };
  return { config, deps, idempotency: new DynamoIdempotencyStore(db, config.TABLE_NAME) };
}

let wired: ReturnType<typeof wire> | undefined;
export const app = () => (wired ??= wire());
