import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { invoiceDocuments } from '../../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../../domain/documents/invoice-template.js';
import { creditNoteDocuments } from '../../domain/documents/credit-note-documents.js';
import type { SideEffectDeps } from '../../domain/stream/invoice-side-effects.js';
import { DynamoInvoicePdfState, DynamoPublishedEvents } from '../dynamodb/published-events.js';
import { DynamoEinvoiceRecordStore } from '../dynamodb/einvoice-record-store.js';
import { expireDeletedHistory } from '../dynamodb/audit-log.js';
import { embedFacturx } from '../pdf/factur-x.js';
import { EventBridgePublisher, FileEventPublisher } from '../events/event-publishers.js';
import { ChromiumPdfRenderer } from '../pdf/chromium-renderer.js';
import { countedRenderer } from '../pdf/counted-renderer.js';
import { mailer } from '../mail/mail-wiring.js';
import { documents as documentsOf } from '../s3/document-wiring.js';
import { webhooks as webhooksOf } from '../webhooks/webhook-wiring.js';
import { app, recurringStore, reminderStore } from '../wiring.js';
import { payments } from '../payments-wiring.js';
import { expireOpenCheckouts } from '../../domain/payments/online-payments.js';
import { createStreamHandler } from './stream-handler.js';
import { fanOut } from '../../domain/webhooks/webhook-use-cases.js';
import { eventObjects } from '../webhooks/event-objects.js';
import { withWebhooks } from '../webhooks/webhook-publisher.js';
import { renderQueue } from '../pdf/render-queues.js';

let deps: SideEffectDeps | undefined;

/** Built at the first batch, once per process: the renderer's browser then serves every later record. */
function sideEffectDeps(): SideEffectDeps {
  if (deps) return deps;
  const { config, db, deps: core } = app();
  const { pdfRecords, documents, logos } = documentsOf();
  const webhooks = webhooksOf();
  const recurring = recurringStore();
  if (!config.EVENTS_LOG && !config.EVENT_BUS_NAME)
    throw new Error('Set EVENT_BUS_NAME (or EVENTS_LOG locally): events have nowhere to go');
  const bus = config.EVENTS_LOG
    ? new FileEventPublisher(config.EVENTS_LOG)
    : new EventBridgePublisher(config.EVENT_BUS_NAME!);
  const objectOf = eventObjects({
    invoices: core.invoices,
    ledger: core.ledger!,
    recurring,
    publicBaseUrl: config.PUBLIC_BASE_URL,
  });
  deps = {
    // Each event also becomes webhook deliveries: queued here, sent by the delivery function.
    events: withWebhooks(bus, (events) =>
      fanOut({ ...webhooks, clock: core.clock }, events, (e) => objectOf(e as (typeof events)[number])),
    ),
    published: new DynamoPublishedEvents(db, config.TABLE_NAME),
    pdfRecords,
    pdfState: new DynamoInvoicePdfState(db, config.TABLE_NAME),
    documents,
    renderer: countedRenderer(new ChromiumPdfRenderer()),
    templates: invoiceDocuments,
    contacts: core.contacts,
    companies: core.companies,
    ledger: { store: core.ledger, invoices: core.invoices, creditNoteDocuments },
    // Only an invoice with a checkout record ever reaches the processor (and its keys).
    checkouts: { expireOpen: (accountId, invoiceId) => expireOpenCheckouts(payments(), accountId, invoiceId) },
    receipts: { mailer: mailer(), publicBaseUrl: config.PUBLIC_BASE_URL },
    einvoices: new DynamoEinvoiceRecordStore(db, config.TABLE_NAME),
    facturx: { embed: embedFacturx },
    // Where a render queue is configured, documents go to the renderer function and events go out at once.
    renders: renderQueue(config),
    logos,
    deletedHistory: {
      expire: (accountId, invoiceId) => expireDeletedHistory(db, config.TABLE_NAME, accountId, invoiceId),
    },
    reminderRekey: { index: reminderStore(), settings: core.settings },
  };
  return deps;
}

const handleBatch = createStreamHandler(sideEffectDeps);

/** Most batches render a document: the template's libraries load with the first one. */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  await loadInvoiceTemplate();
  return handleBatch(event);
};
