import type { CreditNote } from '../credit-notes/credit-note.js';
import type { Invoice } from '../invoices/invoice.js';

/**
 * A document to render, queued by the stream consumer so that a slow render never holds back
 * events or webhooks (the consumer publishes them at once) and PDF throughput scales with the
 * renderer's own concurrency, not with the stream's shards.
 *
 * An invoice job carries the very image of the change that set it off: its PDF, and at the issuing
 * change its UBL e-invoice and the Factur-X XML embedded in the PDF, are all made from that one
 * snapshot, in one step, as they were when the consumer rendered inline. `issuing` says whether the
 * change took the invoice out of draft (or wrote it born issued): only then is an e-invoice stored.
 * A credit note never changes, so its job names it and the renderer reads it.
 */
export type RenderJob =
  { kind: 'invoice'; issuing: boolean; invoice: Invoice } | { kind: 'creditNote'; creditNote: CreditNote };

/** Where render jobs go: a queue drained by the renderer function (SQS FIFO in AWS, in-process locally). */
export interface RenderQueue {
  enqueue(jobs: RenderJob[]): Promise<void>;
}

/**
 * The jobs of one invoice (its versions, its credit notes) form one group, handled one at a time
 * and in order: two renders of the same document never run at once, so a repeated job cannot put
 * an object over the one a concurrent twin just recorded. Different invoices render in parallel.
 */
export const renderGroup = (job: RenderJob): string =>
  job.kind === 'invoice'
    ? `${job.invoice.accountId}/${job.invoice.id}`
    : `${job.creditNote.accountId}/${job.creditNote.invoiceId}`;

/**
 * Same document, same id: a stream record replayed within the queue's deduplication window is
 * dropped by the queue; one replayed later finds the PDF recorded and renders nothing.
 */
export const renderJobId = (job: RenderJob): string =>
  job.kind === 'invoice'
    ? `inv-${job.invoice.id}-v${job.invoice.version}-${job.invoice.status}${job.issuing ? '-issuing' : ''}`
    : `cn-${job.creditNote.id}`;
