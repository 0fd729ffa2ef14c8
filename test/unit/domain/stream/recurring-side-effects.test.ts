import { expect, test } from 'vitest';
import type { RecurringInvoice } from '../../../../domain/recurring/recurring-invoice.js';
import { recurringEventsFor } from '../../../../domain/stream/recurring-side-effects.js';

const base = {
  id: 'rec_1',
  accountId: 'acc_1',
  version: 1,
  updatedAt: '2027-01-31T00:05:00Z',
  status: 'active',
  issuedCount: 0,
  lastInvoiceId: null,
  lastRunOn: null,
  nextRunOn: '2027-01-31',
  skippedRuns: [],
  lastError: null,
} as unknown as RecurringInvoice;

test('an issuing run raises recurringInvoice.issued naming the invoice and the schedule; replays keep the id', () => {
  const next = {
    ...base,
    version: 2,
    issuedCount: 1,
    lastInvoiceId: 'inv_1',
    lastRunOn: '2027-01-31',
    nextRunOn: '2027-02-28',
  };
  const events = recurringEventsFor(base, next);
  expect(events).toEqual([
    {
      id: 'evt_rec_1_2_issued',
      type: 'recurringInvoice.issued',
      accountId: 'acc_1',
      invoiceId: 'inv_1',
      recurringInvoiceId: 'rec_1',
      occurredAt: next.updatedAt,
      data: expect.objectContaining({ runOn: '2027-01-31', nextRunOn: '2027-02-28', recurringInvoiceId: 'rec_1' }),
    },
  ]);
  expect(recurringEventsFor(base, next)).toEqual(events);
});

test('a new failure raises recurringInvoice.failed (no invoice); an edit, a pause or an unchanged failure raise nothing', () => {
  const lastError = { at: '2027-01-31T01:00:00Z', runOn: '2027-01-31', message: 'gone', errors: [] };
  const failed = { ...base, version: 2, lastError };
  expect(recurringEventsFor(base, failed)).toMatchObject([
    { type: 'recurringInvoice.failed', invoiceId: null, recurringInvoiceId: 'rec_1', data: { runOn: '2027-01-31' } },
  ]);
  expect(recurringEventsFor(failed, { ...failed, version: 3, name: 'Renamed' })).toEqual([]);
  expect(recurringEventsFor(base, { ...base, version: 2, status: 'paused' })).toEqual([]);
  expect(recurringEventsFor(null, base)).toEqual([]);
  expect(recurringEventsFor(failed, failed)).toEqual([]);
});
