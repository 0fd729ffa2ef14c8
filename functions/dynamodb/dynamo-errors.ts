import { DomainError } from '../../domain/errors.js';

/** The reasons a TransactWriteItems was cancelled, one per item, in item order. */
export function cancellationReasons(e: unknown): (string | undefined)[] | null {
  if (!(e instanceof Error) || e.name !== 'TransactionCanceledException') return null;
  const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons) return reasons.map((r) => (r.Code === 'None' ? undefined : r.Code));
  // DynamoDB Local (and some SDK paths) only put the reasons in the message: "[None, ConditionalCheckFailed]".
  const m = /\[([^\]]*)\]/.exec(e.message);
  return m ? m[1]!.split(',').map((s) => (s.trim() === 'None' ? undefined : s.trim())) : [];
}

export const isConditionFailure = (e: unknown) => e instanceof Error && e.name === 'ConditionalCheckFailedException';

/** Transient: a conflict with another transaction on the same items, or throttling. */
export const isTransactionConflict = (reasons: (string | undefined)[]) =>
  reasons.some((r) => r === 'TransactionConflict' || r === 'ThrottlingError' || r === 'ProvisionedThroughputExceeded');

/** A single write that met a transaction holding its item (a settings save stamping a counter): retry. */
export const isTransactionConflictError = (e: unknown) =>
  e instanceof Error && e.name === 'TransactionConflictException';

export function unavailable(detail: string): DomainError {
  return new DomainError('unavailable', detail);
}

/** Full jitter backoff, kept short: contention on one counter is the ceiling, not the wait. */
export const jitter = (attempt: number) =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * 2 ** attempt)));
