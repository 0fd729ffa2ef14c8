import type { Actor } from '../auth/actor.js';
import type { Invoice } from '../invoices/invoice.js';

/** Who made a change: a user (the token's `sub`), an API key, or one of the service's own jobs. */
export type AuditActor = { type: 'user' | 'apiKey' | 'system'; id: string };

/** The jobs that change invoices on their own: named so an auditor can tell them apart. */
export const SYSTEM = {
  overdueJob: { type: 'system', id: 'overdue-job' },
  documentRenderer: { type: 'system', id: 'document-renderer' },
  recurringJob: { type: 'system', id: 'recurring-job' },
  /** A verified event of the payment processor (domain/payments/online-payments.ts). */
  paymentProcessor: { type: 'system', id: 'payment-processor' },
  reminderJob: { type: 'system', id: 'reminder-job' },
} as const satisfies Record<string, AuditActor>;

/** The caller of a use case as history names it: the token's user, an API key, or a job of the service's own. */
export const userActor = (actor: Pick<Actor, 'userId' | 'system' | 'apiKeyId'>): AuditActor =>
  actor.system
    ? { type: 'system', id: actor.userId }
    : actor.apiKeyId
      ? { type: 'apiKey', id: actor.apiKeyId }
      : { type: 'user', id: actor.userId };

export type HistoryAction =
  | 'created'
  | 'edited'
  | 'associated'
  | 'dissociated'
  | 'finalized'
  | 'sent'
  | 'paymentRecorded'
  | 'paymentRefunded'
  | 'paymentVoided'
  | 'paid'
  | 'creditNoteIssued'
  | 'voided'
  | 'flaggedPastDue'
  | 'deleted'
  | 'pdfStored'
  | 'reminderSent'
  /** A step came due but no contact had an address: the step is spent so the job does not retry it hourly. */
  | 'reminderSkipped'
  /** The e-invoice (UBL) stored at finalization, beside the PDF. */
  | 'einvoiceStored';

/** What a use case knows of a change: who, what, when; the store adds the fields that changed. */
export type Change = { actor: AuditActor; action: HistoryAction; at: string; detail?: Record<string, unknown> };

export type FieldChange = { field: string; from: unknown; to: unknown };

/** One entry of an invoice's history: written in the transaction of the change, never updated. */
export type HistoryEntry = {
  invoiceId: string;
  accountId: string;
  at: string;
  actor: AuditActor;
  action: HistoryAction;
  changes: FieldChange[];
  /** What the change referred to beside the invoice (the payment's or credit note's id, the file's hash). */
  detail?: Record<string, unknown>;
  /** True when the values were left out to keep the entry within the item size limit (see MAX_CHANGES_BYTES). */
  truncated?: boolean;
};

/**
 * Fields that change on every write or are derived facts with entries of their own (the PDF is
 * recorded by its `pdfStored` entry), so listing them would only add noise.
 */
const UNTRACKED = new Set(['version', 'updatedAt', 'pdf', 'accountId', 'id']);

/** An entry beside a 350 KB invoice must stay within DynamoDB's 400 KB item: big diffs keep only the field names. */
export const MAX_CHANGES_BYTES = 100_000;

/** How long a deleted draft's history stays readable by its id. */
export const DELETED_HISTORY_DAYS = 90;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The leaf differences between two values, as dotted paths (`lineItems.0.unitPrice`, `totals.total`):
 * one line's price changing reads as that one field, not as the whole list of lines.
 */
function diff(path: string, from: unknown, to: unknown, out: FieldChange[]): void {
  if (JSON.stringify(from) === JSON.stringify(to)) return;
  if (isPlainObject(from) && isPlainObject(to)) {
    for (const k of new Set([...Object.keys(from), ...Object.keys(to)]))
      diff(path ? `${path}.${k}` : k, from[k] ?? null, to[k] ?? null, out);
    return;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.every(isPlainObject) && to.every(isPlainObject)) {
    for (let i = 0; i < Math.max(from.length, to.length); i++)
      diff(`${path}.${i}`, from[i] ?? null, to[i] ?? null, out);
    return;
  }
  out.push({ field: path, from: from ?? null, to: to ?? null });
}

/** The fields that changed from `previous` (null: created) to `next` (null: deleted). */
export function changedFields(previous: Invoice | null, next: Invoice | null): FieldChange[] {
  const out: FieldChange[] = [];
  const before = (previous ?? {}) as Record<string, unknown>;
  const after = (next ?? {}) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (UNTRACKED.has(k)) continue;
    // A created draft lists what it was created with; empty defaults say nothing.
    if (previous === null && (after[k] === null || (Array.isArray(after[k]) && after[k].length === 0))) continue;
    if (next === null) continue; // a deletion removes the draft as a whole; the action says so
    diff(k, before[k] ?? null, after[k] ?? null, out);
  }
  return out;
}

/** The entry for a change of an invoice; the one place that decides what an entry holds. */
export function historyEntry(change: Change, previous: Invoice | null, next: Invoice | null): HistoryEntry {
  const subject = (next ?? previous)!;
  const changes = changedFields(previous, next);
  const base = {
    invoiceId: subject.id,
    accountId: subject.accountId,
    at: change.at,
    actor: change.actor,
    action: change.action,
    ...(change.detail ? { detail: change.detail } : {}),
  };
  if (JSON.stringify(changes).length <= MAX_CHANGES_BYTES) return { ...base, changes };
  return { ...base, changes: changes.map((c) => ({ field: c.field, from: null, to: null })), truncated: true };
}

/** The past-due job's flag: it writes the one field without reading the invoice, so its entry is known ahead. */
export const pastDueEntry = (accountId: string, invoiceId: string, at: string): HistoryEntry => ({
  invoiceId,
  accountId,
  at,
  actor: SYSTEM.overdueJob,
  action: 'flaggedPastDue',
  changes: [{ field: 'pastDue', from: false, to: true }],
});

/** A change made by the caller of a use case: a user, or a job of the service acting as one. */
export const byUser = (
  actor: Pick<Actor, 'userId' | 'system' | 'apiKeyId'>,
  action: HistoryAction,
  at: string,
  detail?: Record<string, unknown>,
): Change => ({ actor: userActor(actor), action, at, ...(detail ? { detail } : {}) });

/** The renderer stored a document's file: the invoice's history says which file, by its hash. */
export const fileStoredEntry = (
  accountId: string,
  invoiceId: string,
  at: string,
  file: { sha256: string; objectKey: string; creditNoteId?: string },
  action: 'pdfStored' | 'einvoiceStored' = 'pdfStored',
): HistoryEntry => ({
  invoiceId,
  accountId,
  at,
  actor: SYSTEM.documentRenderer,
  action,
  changes: [],
  detail: file,
});
