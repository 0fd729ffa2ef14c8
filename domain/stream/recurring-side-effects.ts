import type { InvoiceEvent } from '../events/invoice-events.js';
import type { RecurringInvoice } from '../recurring/recurring-invoice.js';
import type { SideEffectDeps, SideEffectResult } from './invoice-side-effects.js';

/**
 * The events one change of a recurring schedule means: `recurringInvoice.issued` when a run issued
 * its invoice (the claim and the invoice are one write, so the count moved with it), and
 * `recurringInvoice.failed` when a run recorded a new failure. Ids derive from the schedule and its
 * version, so a replayed record yields the same ids.
 */
export function recurringEventsFor(
  oldImage: RecurringInvoice | null,
  newImage: RecurringInvoice | null,
): InvoiceEvent[] {
  if (!newImage || (oldImage && oldImage.version === newImage.version)) return [];
  const s = newImage;
  const event = (type: 'issued' | 'failed', invoiceId: string | null, data: Record<string, unknown>): InvoiceEvent => ({
    id: `evt_${s.id}_${s.version}_${type}`,
    type: `recurringInvoice.${type}`,
    accountId: s.accountId,
    invoiceId,
    recurringInvoiceId: s.id,
    occurredAt: s.updatedAt,
    data: { recurringInvoiceId: s.id, status: s.status, version: s.version, ...data },
  });
  const events: InvoiceEvent[] = [];
  if (s.issuedCount > (oldImage?.issuedCount ?? 0) && s.lastInvoiceId)
    events.push(
      event('issued', s.lastInvoiceId, { runOn: s.lastRunOn, nextRunOn: s.nextRunOn, skipped: s.skippedRuns }),
    );
  if (s.lastError && s.lastError.at !== oldImage?.lastError?.at)
    events.push(
      event('failed', null, { runOn: s.lastError.runOn, message: s.lastError.message, errors: s.lastError.errors }),
    );
  return events;
}

/** Publishes a schedule change's events once each (replays skipped), as for invoices. */
export async function recurringSideEffects(
  deps: Pick<SideEffectDeps, 'events' | 'published'>,
  oldImage: RecurringInvoice | null,
  newImage: RecurringInvoice | null,
): Promise<SideEffectResult> {
  const published: InvoiceEvent[] = [];
  for (const event of recurringEventsFor(oldImage, newImage)) {
    if (await deps.published.has(event)) continue;
    await deps.events.publish([event]);
    await deps.published.add(event);
    published.push(event);
  }
  return { published, rendered: false };
}
