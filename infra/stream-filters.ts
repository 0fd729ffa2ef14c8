/**
 * Which records of the table's stream reach each consumer, as Lambda event filter patterns: the
 * event source mappings (infra/stacks) use them as they are, and the local stream poller applies the
 * same patterns, so a record the stack filters out never reaches a handler locally either (a
 * consumer that reads a new kind of item fails its local tests until its pattern is here).
 * A leaf lists the values allowed; a record passes if it matches any one pattern.
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly string[] };

const entityIn = (image: 'NewImage' | 'OldImage', ...entities: string[]): FilterPattern => ({
  dynamodb: { [image]: { entity: { S: entities } } },
});

/** The side-effect consumer (functions/stream/invoice-stream.handler.ts). */
export const SIDE_EFFECT_FILTERS: readonly FilterPattern[] = [
  // Invoices: either image, since REMOVE records carry only the old one and INSERT only the new.
  entityIn('NewImage', 'invoice'),
  entityIn('OldImage', 'invoice'),
  // Payments when inserted and when they change (an ACH payment settles, a refund, a dispute, a
  // recorded one voided): domain/stream/online-payment-side-effects.ts.
  entityIn('NewImage', 'payment'),
  // Credit notes and reminders set off their PDFs and events when inserted (ledger-side-effects.ts).
  { eventName: ['INSERT'], ...entityIn('NewImage', 'creditNote', 'reminder') },
  // A recurring schedule's runs raise its events (it is never deleted); a settings save with a new
  // reminder plan re-keys the open invoices (settings-side-effects.ts).
  entityIn('NewImage', 'recurringInvoice', 'settings'),
];

/** The export runner (functions/stream/export-stream.handler.ts): new export jobs only. */
export const EXPORT_FILTERS: readonly FilterPattern[] = [{ eventName: ['INSERT'], ...entityIn('NewImage', 'export') }];

/** Does a value match a pattern: every key of the pattern present and matching, a leaf by one of its values. */
function matches(pattern: FilterPattern | readonly string[], value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(value as string);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([k, p]) => matches(p, (value as Record<string, unknown>)[k]));
}

/** Whether a stream record (in the shape Lambda hands a function) passes any of the patterns. */
export const passesFilters = (patterns: readonly FilterPattern[], record: unknown): boolean =>
  patterns.some((p) => matches(p, record));
