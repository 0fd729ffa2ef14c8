import * as z from 'zod';
import type { Versioned } from '../crm/records.js';
import type { FieldError } from '../errors.js';
import { invoiceEditRequest, lineItemsRequest, type InvoiceEditInput } from '../invoices/invoice-input.js';
import { calendarDate, text } from '../shared/schemas.js';
import { INTERVALS, type Recurrence } from './recurrence.js';

/** The invoice fields a schedule's template carries (the contract's list), with the draft's own schemas. */
const TEMPLATE_FIELDS = {
  contacts: true,
  company: true,
  lineItems: true,
  paymentTerms: true,
  currency: true,
  language: true,
  locale: true,
  comments: true,
  billing: true,
  poNumber: true,
} as const;

/**
 * The invoice each run issues, validated by the invoice draft's schemas (and, in the use cases,
 * its product-line resolution and its whole edit rules), so no run is refused for its content.
 * Something to bill and someone to bill are required up front, since a run may finalize.
 */
export const templateRequest = invoiceEditRequest.pick(TEMPLATE_FIELDS).extend({
  contacts: invoiceEditRequest.shape.contacts.unwrap().min(1, 'must name at least one contact'),
  lineItems: lineItemsRequest.min(1, 'must have at least one line item'),
});
export type TemplateRequest = z.infer<typeof templateRequest>;

/** A template patch: the same fields, each optional. */
export const templatePatch = invoiceEditRequest.pick(TEMPLATE_FIELDS).extend({
  contacts: templateRequest.shape.contacts.optional(),
  lineItems: templateRequest.shape.lineItems.optional(),
});

/** Longest span a schedule may plan ahead, so every run date stays a four-digit year. */
const LAST_DATE = '9000-12-31';

const scheduleFields = {
  interval: z.enum(INTERVALS),
  every: z.int().min(1).max(100).default(1),
  startDate: calendarDate.refine((d) => d <= LAST_DATE, { message: `must not be after ${LAST_DATE}` }),
  endDate: calendarDate.nullish(),
  count: z.int().min(1).max(10_000).nullish(),
};

const endAfterStart = (s: { startDate?: string; endDate?: string | null }, ctx: z.RefinementCtx) => {
  if (s.startDate && s.endDate && s.endDate < s.startDate)
    ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'must not be before startDate' });
};

export const scheduleInput = z.strictObject(scheduleFields).superRefine(endAfterStart);

export const recurringCreateRequest = z.strictObject({
  name: text(200).min(1, 'is required'),
  invoice: templateRequest,
  schedule: scheduleInput,
  autoFinalize: z.boolean().default(true),
  autoSend: z.boolean().default(false),
});
export type RecurringCreateRequest = z.infer<typeof recurringCreateRequest>;

/** PATCH: any part; the schedule's fields merge over the stored ones. Applies to later runs only. */
export const recurringPatchRequest = z.strictObject({
  name: text(200).min(1, 'is required').optional(),
  invoice: templatePatch.optional(),
  // Spelled out, not `.partial()`: a default (`every`) must not overwrite the stored value.
  schedule: z
    .strictObject({
      interval: scheduleFields.interval.optional(),
      every: z.int().min(1).max(100).optional(),
      startDate: scheduleFields.startDate.optional(),
      endDate: scheduleFields.endDate,
      count: scheduleFields.count,
    })
    .optional(),
  autoFinalize: z.boolean().optional(),
  autoSend: z.boolean().optional(),
});
export type RecurringPatchRequest = z.infer<typeof recurringPatchRequest>;

export const upcomingQuery = z.object({
  count: z.coerce.number().int().min(1).max(100).default(10),
});

export const RECURRING_STATUSES = ['active', 'paused', 'ended'] as const;
export type RecurringStatus = (typeof RECURRING_STATUSES)[number];

/** Why the last run could not issue its invoice; cleared by the next run that does. */
export type RunFailure = { at: string; runOn: string; message: string; errors: FieldError[] };

export const RECURRING_ID_PREFIX = 'rec';

export type RecurringInvoice = Versioned & {
  name: string;
  status: RecurringStatus;
  /** The template: the draft input each run applies, product lines already resolved (copied). */
  invoice: InvoiceEditInput;
  schedule: Recurrence;
  autoFinalize: boolean;
  autoSend: boolean;
  /** Whose invoices the runs issue (the creator). */
  owner: string;
  /** The run awaited (an index into the run dates, recurrence.ts); the period key of the next claim. */
  nextRunIndex: number;
  /** Its date, or null once the schedule has ended. */
  nextRunOn: string | null;
  issuedCount: number;
  /** The period last issued and its invoice. */
  lastRunOn: string | null;
  lastRunIndex: number | null;
  lastInvoiceId: string | null;
  /** Run dates missed while the job was not running (latest ones): not issued, listed. */
  skippedRuns: string[];
  lastError: RunFailure | null;
  pausedAt: string | null;
  endedAt: string | null;
};
