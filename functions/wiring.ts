import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Company, Contact } from '../domain/crm/records.js';
import type { InvoiceDeps } from '../domain/invoices/invoice-use-cases.js';
import type { Clock, DocumentStore, IdGenerator, Mailer } from '../domain/ports.js';
import { env, type Env } from './config/env.js';
import { documentClient, dynamoDbClient } from './dynamodb/client.js';
import { idempotencyRecords } from './dynamodb/idempotency-records.js';
import { DynamoInvoiceStore } from './dynamodb/invoice-store.js';
import { DynamoLedgerStore } from './dynamodb/ledger-store.js';
import { DynamoPdfRecordStore } from './dynamodb/pdf-record-store.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { DynamoSettingsStore } from './dynamodb/settings-store.js';
import { OutboxMailer } from './mail/outbox-mailer.js';
import type { FlagPastDueDeps } from '../domain/jobs/flag-past-due.js';
import { DynamoOverdueIndex } from './dynamodb/overdue-index.js';
import { crmAdapters } from './crm-wiring.js';
import type { IssueRecurringDeps } from '../domain/jobs/issue-recurring.js';
import { DynamoRecurringStore } from './dynamodb/recurring-store.js';
import { searchAdapters } from './search-wiring.js';
import { DynamoAuditLog } from './dynamodb/audit-log.js';
import { DynamoReminderStore } from './dynamodb/reminder-store.js';
import { DynamoAssociationLabelStore } from './dynamodb/association-label-store.js';
import { DynamoSnippetStore } from './dynamodb/snippet-store.js';
import type { SendRemindersDeps } from '../domain/jobs/send-reminders.js';
import { webhookAdapters } from './webhooks/webhook-wiring.js';
import { cachedLogos } from './s3/logo-cache.js';

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
  const dynamo = dynamoDbClient({
    tableName: config.TABLE_NAME,
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
    requestTimeoutMs: config.DYNAMODB_REQUEST_TIMEOUT_MS,
  });
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
  // Locally mail goes to an outbox folder; in AWS through SES, whose client loads on the first send.
  const ses = once(async () => new (await import('./mail/ses-mailer.js')).SesMailer(config.MAIL_FROM));
  const mailer: Mailer = config.OUTBOX_DIR
    ? new OutboxMailer(config.OUTBOX_DIR, config.MAIL_FROM)
    : { send: async (m) => (await ses()).send(m) };
  return {
    config,
    db,
    deps,
    mailer,
    idempotency: idempotencyRecords(dynamo, config.TABLE_NAME),
    audit: new DynamoAuditLog(db, config.TABLE_NAME),
    ...documentAdapters(config, db),
    crm: crmAdapters(db, config.TABLE_NAME),
    index: searchAdapters(db, config.TABLE_NAME),
    recurring: new DynamoRecurringStore(db, config.TABLE_NAME, invoices),
    reminders: new DynamoReminderStore(db, config.TABLE_NAME, invoices),
    labels,
    snippets: new DynamoSnippetStore(db, config.TABLE_NAME),
    webhooks: webhookAdapters(config, db),
  };
}

let wired: ReturnType<typeof wire> | undefined;
export const app = () => (wired ??= wire());

// ---- The past-due job (functions/jobs/overdue.handler.ts) ----
/** Its adapters: the sparse past-due index and the settings (each account's time zone). */
export function wireOverdueJob(): FlagPastDueDeps & { clock: Clock } {
  const config = env();
  const db = documentClient({
    tableName: config.TABLE_NAME,
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
    requestTimeoutMs: config.DYNAMODB_REQUEST_TIMEOUT_MS,
  });
  return {
    overdue: new DynamoOverdueIndex(db, config.TABLE_NAME),
    settings: new DynamoSettingsStore(db, config.TABLE_NAME),
    clock: systemClock,
  };
}

// ---- The recurring invoice job (functions/jobs/recurring.handler.ts) ----
/**
 * Its adapters: the schedules (and their due index), what a run reads to check and build the
 * invoice, the invoice store it issues through, and the mailer for schedules that send.
 */
export function wireRecurringJob(): IssueRecurringDeps {
  const { config, deps, mailer, crm, recurring } = wire();
  return { ...deps, mailer, publicBaseUrl: config.PUBLIC_BASE_URL, recurring, products: crm.products };
}

// ---- The payment reminders job (functions/jobs/reminders.handler.ts) ----
/** Its adapters: the reminders index and claims, the invoices and contacts it reads, the mailer. */
export function wireRemindersJob(): SendRemindersDeps {
  const { config, deps, mailer, reminders } = wire();
  return { ...deps, mailer, publicBaseUrl: config.PUBLIC_BASE_URL, reminders };
}

// ---- Documents: the PDF records, the bucket and the renderer ----
/** Builds once, on first use; a failed build is not kept, so the next call tries again. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    if (!built) {
      const attempt = build();
      built = attempt;
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
    }
    return built;
  };
}

/**
 * The S3 store is loaded on first use (dynamic import): a function that never signs a link never
 * loads the S3 client. The Chromium renderer is not here: only the stream function renders, and
 * wiring it here would put puppeteer into every API bundle.
 */
export function documentAdapters(config: Env, db: ReturnType<typeof documentClient>) {
  const store = once(async () => {
    if (!config.BUCKET_NAME) throw new Error('BUCKET_NAME is not set: this function has no PDF bucket');
    const { S3DocumentStore } = await import('./s3/s3-document-store.js');
    return new S3DocumentStore({
      bucket: config.BUCKET_NAME,
      region: config.AWS_REGION,
      endpoint: config.S3_ENDPOINT,
      retentionDays: config.DOCUMENT_RETENTION_DAYS,
    });
  });
  const documents: DocumentStore = {
    put: async (key, body, contentType, options) => (await store()).put(key, body, contentType, options),
    get: async (key) => (await store()).get(key),
    signedUrl: async (key, seconds, options) => (await store()).signedUrl(key, seconds, options),
  };
  // Logos are read wherever an invoice is shown: through a cache, their keys name their content.
  return { pdfRecords: new DynamoPdfRecordStore(db, config.TABLE_NAME), documents, logos: cachedLogos(documents) };
}
