import { DomainError, preconditionFailed } from './errors.js';
import { VersionConflict } from './ports.js';

const MAX_ATTEMPTS = 8;

/** How a lost race is retried: how often, and what to wait before re-reading. */
export type RetryPolicy = { maxAttempts: number; backoff?: (attempt: number) => Promise<void> };

/**
 * For writes that many callers make to one object at once by design (payments on one invoice):
 * each round of a race has one winner, so the losers need as many rounds as there are callers,
 * and jitter spreads them so they do not collide again in lockstep.
 */
export const RETRY_WITH_JITTER: RetryPolicy = {
  maxAttempts: 60,
  backoff: (attempt) => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** attempt))),
};

/**
 * Read-decide-write with optimistic concurrency. With an If-Match version the caller asked for
 * exactly that version, so a mismatch is a 412 and there is no retry. Without one, a lost race
 * re-reads and decides again: a second finalize then sees `open` and gets its 409.
 */
export async function mutate<T extends { version: number }, R>(
  read: () => Promise<T>,
  ifMatch: number | undefined,
  decideAndWrite: (current: T) => Promise<R>,
  retry: RetryPolicy = { maxAttempts: MAX_ATTEMPTS },
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    if (ifMatch !== undefined && current.version !== ifMatch) throw preconditionFailed(ifMatch, current.version);
    try {
      return await decideAndWrite(current);
    } catch (e) {
      if (!(e instanceof VersionConflict)) throw e;
      if (ifMatch !== undefined) {
        const now = await read();
        throw preconditionFailed(ifMatch, now.version);
      }
      if (attempt >= retry.maxAttempts)
        throw new DomainError('unavailable', 'The object is being changed by many requests at once; retry shortly');
      await retry.backoff?.(attempt);
    }
  }
}
