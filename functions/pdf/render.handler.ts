import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { invoiceDocuments } from '../../domain/documents/invoice-documents.js';
import { creditNoteDocuments } from '../../domain/documents/credit-note-documents.js';
import { renderInvoiceDocuments, type DocumentDeps } from '../../domain/stream/invoice-side-effects.js';
import { ensureCreditNotePdf } from '../../domain/stream/ledger-side-effects.js';
import { renderGroup, type RenderJob } from '../../domain/stream/render-jobs.js';
import { DynamoInvoicePdfState } from '../dynamodb/published-events.js';
import { DynamoEinvoiceRecordStore } from '../dynamodb/einvoice-record-store.js';
import { scopedLog } from '../observability/logger.js';
import { flushMetrics } from '../observability/metrics.js';
import { app } from '../wiring.js';
import { ChromiumPdfRenderer } from './chromium-renderer.js';
import { countedRenderer } from './counted-renderer.js';
import { embedFacturx } from './factur-x.js';
import { RENDER_PAGES } from './render-pages.js';

let deps: DocumentDeps | undefined;

const chromium = new ChromiumPdfRenderer();
// In Lambda, the browser launches during the init phase, beside the imports, not at the first job.
if (process.env.AWS_LAMBDA_INITIALIZATION_TYPE) chromium.warm();

/** Built at the first batch, once per process: the browser then serves every later job. */
export function documentDeps(): DocumentDeps {
  if (deps) return deps;
  const { config, db, deps: core, pdfRecords, documents } = app();
  deps = {
    pdfRecords,
    pdfState: new DynamoInvoicePdfState(db, config.TABLE_NAME),
    documents,
    renderer: countedRenderer(chromium),
    templates: invoiceDocuments,
    contacts: core.contacts,
    companies: core.companies,
    ledger: { store: core.ledger!, invoices: core.invoices, creditNoteDocuments },
    einvoices: new DynamoEinvoiceRecordStore(db, config.TABLE_NAME),
    facturx: { embed: embedFacturx },
  };
  return deps;
}

export function runRenderJob(deps: DocumentDeps, job: RenderJob): Promise<unknown> {
  if (job.kind === 'invoice') return renderInvoiceDocuments(deps, job.issuing, job.invoice);
  return ensureCreditNotePdf(deps, deps.ledger!, job.creditNote);
}

/** Attempts of a job within one invocation, and the pause before each retry. */
const RETRY_DELAYS_MS = [250, 1_000];

/**
 * A job failing for a passing reason (its account's audit chain busy with other writers, a browser
 * that died and is launched again, a throttled request) is tried again here, at once: a failure
 * reported to SQS shows again only after the queue's visibility timeout (six minutes), long after
 * the burst it belongs to. What still fails after the retries is reported.
 */
async function withRetries(run: () => Promise<unknown>, onRetry: (e: unknown, attempt: number) => void) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw e;
      onRetry(e, attempt + 1);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * The renderer function: drains the render queue (render-jobs.ts). A batch's jobs render at once
 * on up to RENDER_PAGES pages, each group (one invoice) in order, one job at a time; while one
 * job's PDF goes to S3 another's prints. A failed job is reported with the rest of its group (FIFO:
 * nothing of that invoice may overtake it) and shows again; after the queue's maxReceiveCount it
 * lands in the dead-letter queue. Every job is idempotent by invoice version: a stale or repeated
 * one records nothing over a newer PDF.
 */
export function createRenderHandler(run: (job: RenderJob) => Promise<unknown>, pages = RENDER_PAGES) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const started = performance.now();
    const log = scopedLog({ correlation_id: event.Records[0]?.messageId ?? 'empty' });
    const groups = new Map<string, { record: SQSRecord; job: RenderJob }[]>();
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let job: RenderJob;
      try {
        job = JSON.parse(record.body) as RenderJob;
      } catch (e) {
        log.error('render job unreadable', { messageId: record.messageId }, e);
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const group = renderGroup(job);
      groups.set(group, [...(groups.get(group) ?? []), { record, job }]);
    }
    const queue = [...groups.values()];
    let rendered = 0;
    const worker = async () => {
      for (let jobs = queue.shift(); jobs; jobs = queue.shift()) {
        for (const [i, { record, job }] of jobs.entries()) {
          try {
            await withRetries(
              () => run(job),
              (e, attempt) => log.warn('render job failed; retrying', { messageId: record.messageId, attempt }, e),
            );
            rendered++;
          } catch (e) {
            log.error('render job failed', { messageId: record.messageId, group: renderGroup(job) }, e);
            for (const rest of jobs.slice(i)) failures.push({ itemIdentifier: rest.record.messageId });
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(pages, queue.length) }, worker));
    log.info('render batch', {
      records: event.Records.length,
      done: rendered,
      failed: failures.length,
      durationMs: Math.round(performance.now() - started),
    });
    flushMetrics();
    return { batchItemFailures: failures };
  };
}

export const handler = createRenderHandler((job) => runRenderJob(documentDeps(), job));
