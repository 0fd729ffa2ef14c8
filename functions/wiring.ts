import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Company, Contact } from '../domain/crm/records.js';
import type { InvoiceDeps } from '../domain/invoices/invoice-use-cases.js';
import type { Clock, IdGenerator } from '../domain/ports.js';
import { env } from './config/env.js';
import { documentClient, dynamoDbClient, tableConfig } from './dynamodb/client.js';
import { idempotencyRecords } from './dynamodb/idempotency-records.js';
import { DynamoInvoiceStore } from './dynamodb/invoice-store.js';
import { DynamoLedgerStore } from './dynamodb/ledger-store.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { DynamoSettingsStore } from './dynamodb/settings-store.js';
import type { FlagPastDueDeps } from '../domain/jobs/flag-past-due.js';
import { DynamoOverdueIndex } from './dynamodb/overdue-index.js';
import { DynamoAuditLog } from './dynamodb/audit-log.js';
import { DynamoReminderStore } from './dynamodb/reminder-store.js';
import { DynamoAssociationLabelStore } from './dynamodb/association-label-store.js';
import { DynamoRecurringStore } from './dynamodb/recurring-store.js';
import { DynamoSnippetStore } from './dynamodb/snippet-store.js';

/*
 * The composition root, in two layers. `app()` is the base every function shares: the environment,
 * the DynamoDB clients, the invoice stores and the idempotency records. What only some functions use
 * is added by the getters below and by the feature wiring modules (mail/mail-wiring.ts,
 * s3/document-wiring.ts, crm-wiring.ts, search-wiring.ts, webhooks/webhook-wiring.ts,
 * payments-wiring.ts): a handler imports only the getters its routes call, so esbuild leaves the
 * rest (and the libraries behind them: nodemailer, exceljs, stripe, ...) out of its bundle, and
 * none of it is loaded at its cold start (bench/cold-start.ts, test/infra/bundling.test.ts).
 */

const ulid = monotonicFactory();

export const systemClock: Clock = { now: () => new Date() };

/** ULIDs sort by creation time, which gives lists their newest-first order; slugs carry 128 random bits. */
export const ulidIds: IdGenerator = {
  id: (prefix) => `${prefix}_${ulid()}`,
  slug: () => randomBytes(16).toString('hex'),
};

/** The adapters every function shares, built once per process (a Lambda's cold start). */
export function wire() {
  const config = env();
  const dynamo = dynamoDbClient(tableConfig(config));
  const db = documentClient(dynamo);
  const invoices = new DynamoInvoiceStore(db, config.TABLE_NAME);
  const labels = new DynamoAssociationLabelStore(db, config.TABLE_NAME);
  const deps: InvoiceDeps = {
    labels,
    invoices,
    settings: new DynamoSettingsStore(db, config.TABLE_NAME),
    contacts: new DynamoRecordStore<Contact>(db, config.TABLE_NAME, 'contact'),
    companies: new DynamoRecordStore<Company>(db, config.TABLE_NAME, 'company'),
    clock: systemClock,
    ids: ulidIds,
    ledger: new DynamoLedgerStore(db, config.TABLE_NAME, invoices),
  };
  // The concrete stores too: other stores write through the invoice store's transactions.
  return { config, db, deps, invoices, labels, idempotency: idempotencyRecords(dynamo, config.TABLE_NAME) };
}

export type Base = ReturnType<typeof wire>;

let wired: Base | undefined;
export const app = (): Base => (wired ??= wire());

/**
 * An addition to the base, built from it on first use and kept for the process. Called inside a
 * module's getter (never at a module's top level), so a getter no handler imports is dropped from
 * the bundle with everything it would build.
 */
export function perProcess<T>(build: (base: Base) => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build(app()) }).value;
}

export { once } from './once.js';

// ---- Stores only some functions use (pure getters: one no handler imports leaves the bundle) ----
export const auditLog = /* @__PURE__ */ perProcess(({ db, config }) => new DynamoAuditLog(db, config.TABLE_NAME));
export const recurringStore = /* @__PURE__ */ perProcess(
  ({ db, config, invoices }) => new DynamoRecurringStore(db, config.TABLE_NAME, invoices),
);
export const reminderStore = /* @__PURE__ */ perProcess(
  ({ db, config, invoices }) => new DynamoReminderStore(db, config.TABLE_NAME, invoices),
);
export const snippetStore = /* @__PURE__ */ perProcess(
  ({ db, config }) => new DynamoSnippetStore(db, config.TABLE_NAME),
);

// ---- The past-due job (functions/jobs/overdue.handler.ts) ----
/** Its adapters: the sparse past-due index and the settings (each account's time zone). */
export function wireOverdueJob(): FlagPastDueDeps & { clock: Clock } {
  const config = env();
  const db = documentClient(tableConfig(config));
  return {
    overdue: new DynamoOverdueIndex(db, config.TABLE_NAME),
    settings: new DynamoSettingsStore(db, config.TABLE_NAME),
    clock: systemClock,
  };
}
