import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Invoice } from '../../domain/invoices/invoice.js';
import {
  applySideEffects,
  type SideEffectDeps,
  type SideEffectResult,
} from '../../domain/stream/invoice-side-effects.js';
import { fromItem } from '../dynamodb/items.js';
import type { CreditNote } from '../../domain/credit-notes/credit-note.js';
import type { Payment } from '../../domain/payments/payment.js';
import {
  creditNoteSideEffects,
  paymentSideEffects,
  reminderSideEffects,
} from '../../domain/stream/ledger-side-effects.js';
import type { Reminder } from '../../domain/reminders/reminder.js';
import { paymentChangeSideEffects } from '../../domain/stream/online-payment-side-effects.js';
import type { RecurringInvoice } from '../../domain/recurring/recurring-invoice.js';
import { recurringSideEffects } from '../../domain/stream/recurring-side-effects.js';
import { settingsSideEffects } from '../../domain/stream/settings-side-effects.js';
import { scopedLog, type ScopedLog } from '../observability/logger.js';
import { countMetric, flushMetrics, METRIC } from '../observability/metrics.js';

/** A record's image as a plain item, unmarshalled once per record. */
function itemOf(image: Record<string, unknown> | undefined): Record<string, unknown> | null {
  return image ? unmarshall(image as Record<string, AttributeValue>) : null;
}

const invoiceOf = (item: Record<string, unknown> | null): Invoice | null =>
  item?.entity === 'invoice' ? fromItem<Invoice>(item) : null;

/**
 * The table's stream consumer. Records are handled in order; the first that fails is reported as
 * the batch item failure, so the event source mapping retries from it (the records before it are
 * done) and, after its retries, hands it to the dead-letter destination. Which items reach it is
 * the event source mapping's filters (infra/stream-filters.ts): invoices, payments, credit notes,
 * reminders, recurring schedules and settings; anything else that slips through is skipped.
 *
 * Logs one line per batch, its correlation id the first record's stream event id (a retried batch
 * starts at the failed record, so its id names the retry too); what each record did is at DEBUG.
 */
export function createStreamHandler(deps: () => SideEffectDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const started = performance.now();
    const log = scopedLog({ correlation_id: event.Records[0]?.eventID ?? randomUUID() });
    let rendered = 0;
    let queued = 0;
    const published: Record<string, number> = {};
    const done = (handled: number, failed?: DynamoDBRecord): DynamoDBBatchResponse => {
      log.info('stream batch', {
        records: event.Records.length,
        handled,
        pdfsRendered: rendered,
        pdfsQueued: queued,
        eventsPublished: published,
        durationMs: Math.round(performance.now() - started),
        ...(failed ? { failedEventId: failed.eventID, failedSequenceNumber: failed.dynamodb?.SequenceNumber } : {}),
      });
      flushMetrics();
      return { batchItemFailures: failed ? [{ itemIdentifier: failed.dynamodb!.SequenceNumber! }] : [] };
    };
    for (const [i, record] of event.Records.entries()) {
      try {
        const result = await handleRecord(deps(), record, log);
        if (result?.rendered) rendered++;
        if (result?.queued) queued++;
        for (const e of result?.published ?? []) published[e.type] = (published[e.type] ?? 0) + 1;
      } catch (e) {
        countMetric(METRIC.streamRecordFailures);
        log.error(
          'stream record failed',
          { eventId: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber },
          e,
        );
        return done(i, record);
      }
    }
    return done(event.Records.length);
  };
}

async function handleRecord(
  deps: SideEffectDeps,
  record: DynamoDBRecord,
  log: ScopedLog,
): Promise<SideEffectResult | null> {
  const detail = (message: string, fields: Record<string, unknown>, result: SideEffectResult) => {
    if (result.rendered || result.published.length) {
      log.debug(message, {
        ...fields,
        eventId: record.eventID,
        rendered: result.rendered,
        events: result.published.map((e) => e.type),
      });
    }
  };
  const newItem = itemOf(record.dynamodb?.NewImage as Record<string, unknown> | undefined);
  const oldItem = itemOf(record.dynamodb?.OldImage as Record<string, unknown> | undefined);
  // Payments and credit notes are written once and never changed (their `pdf` mark aside): only
  // their insertion sets anything off.
  const inserted = oldItem ? null : newItem;
  // Payments change after they are written (ACH settles, refunds, disputes; a recorded one is
  // refunded or voided): each change is read. A recorded payment's insert is handled below.
  if (newItem?.entity === 'payment' && (newItem.source === 'online' || oldItem)) {
    const old = oldItem ? fromItem<Payment>(oldItem) : null;
    const result = await paymentChangeSideEffects(deps, old, fromItem<Payment>(newItem));
    detail('payment change side effects', { invoiceId: newItem.invoiceId, id: newItem.id }, result);
    return result;
  }
  if (inserted?.entity === 'reminder') {
    const result = await reminderSideEffects(deps, fromItem<Reminder>(inserted));
    detail('reminder side effects', { invoiceId: inserted.invoiceId, id: inserted.id }, result);
    return result;
  }
  if (inserted?.entity === 'payment' || inserted?.entity === 'creditNote') {
    const result =
      inserted.entity === 'payment'
        ? await paymentSideEffects(deps, fromItem<Payment>(inserted))
        : await creditNoteSideEffects(deps, fromItem<CreditNote>(inserted));
    detail(`${inserted.entity} side effects`, { invoiceId: inserted.invoiceId, id: inserted.id }, result);
    return result;
  }
  if (newItem?.entity === 'settings') {
    return settingsSideEffects(deps, oldItem, newItem as typeof newItem & { accountId: string });
  }
  if (newItem?.entity === 'recurringInvoice') {
    const result = await recurringSideEffects(
      deps,
      oldItem ? fromItem<RecurringInvoice>(oldItem) : null,
      fromItem<RecurringInvoice>(newItem),
    );
    detail('recurring invoice side effects', { recurringInvoiceId: newItem.id, version: newItem.version }, result);
    return result;
  }
  const oldImage = invoiceOf(oldItem);
  const newImage = invoiceOf(newItem);
  if (!oldImage && !newImage) return null;
  const result = await applySideEffects(deps, oldImage, newImage);
  // An invoice that takes no more payments closes the checkouts still open for it; a payment that
  // lands anyway (the buyer was quicker) is refunded when it arrives (domain/payments/online-payments.ts).
  if (deps.checkouts && oldImage?.status === 'open' && (newImage?.status === 'voided' || newImage?.status === 'paid')) {
    await deps.checkouts.expireOpen(newImage.accountId, newImage.id);
  }
  const inv = (newImage ?? oldImage)!;
  detail('invoice side effects', { invoiceId: inv.id, version: inv.version }, result);
  return result;
}
