import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { applySideEffects, type SideEffectDeps } from '../../domain/stream/invoice-side-effects.js';
import { fromItem } from '../dynamodb/items.js';
import type { CreditNote } from '../../domain/credit-notes/credit-note.js';
import type { Payment } from '../../domain/payments/payment.js';
import { creditNoteSideEffects, paymentSideEffects } from '../../domain/stream/ledger-side-effects.js';

function invoiceImage(image: Record<string, unknown> | undefined): Invoice | null {
  if (!image) return null;
  const item = unmarshall(image as Record<string, AttributeValue>);
  return item.entity === 'invoice' ? fromItem<Invoice>(item) : null;
}

/**
 * The table's stream consumer. Records are handled in order; the first that fails is reported as
 * the batch item failure, so the event source mapping retries from it (the records before it are
 * done) and, after its retries, hands it to the dead-letter destination. Items other than invoices,
 * payments and credit notes (counters, guards, the PDF records and event marks this handler
 * writes) are skipped.
 */
export function createStreamHandler(deps: () => SideEffectDeps, log: (line: Record<string, unknown>) => void = (l) => console.log(JSON.stringify(l))) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      try {
        await handleRecord(deps(), record, log);
      } catch (e) {
        log({ level: 'error', message: 'stream record failed', sequenceNumber: record.dynamodb?.SequenceNumber, error: e instanceof Error ? e.message : String(e) });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

async function handleRecord(deps: SideEffectDeps, record: DynamoDBRecord, log: (line: Record<string, unknown>) => void) {
  // Payments and credit notes are written once and never changed (their `pdf` mark aside): only
  // their insertion sets anything off.
  const inserted = !record.dynamodb?.OldImage && record.dynamodb?.NewImage ? unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) : null;
  if (inserted?.entity === 'payment' || inserted?.entity === 'creditNote') {
    const result = inserted.entity === 'payment' ? await paymentSideEffects(deps, fromItem<Payment>(inserted)) : await creditNoteSideEffects(deps, fromItem<CreditNote>(inserted));
    if (result.rendered || result.published.length) {
      log({ level: 'info', message: `${inserted.entity} side effects`, invoiceId: inserted.invoiceId, id: inserted.id, rendered: result.rendered, events: result.published.map((e) => e.type) });
    }
    return;
  }
  const oldImage = invoiceImage(record.dynamodb?.OldImage as Record<string, unknown> | undefined);
  const newImage = invoiceImage(record.dynamodb?.NewImage as Record<string, unknown> | undefined);
  if (!oldImage && !newImage) return;
  const result = await applySideEffects(deps, oldImage, newImage);
  if (result.rendered || result.published.length) {
    const inv = (newImage ?? oldImage)!;
    log({ level: 'info', message: 'invoice side effects', invoiceId: inv.id, version: inv.version, rendered: result.rendered, events: result.published.map((e) => e.type) });
  }
}
