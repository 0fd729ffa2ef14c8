import { DomainError, preconditionFailed } from './errors.js';
import { VersionConflict } from './ports.js';

const MAX_ATTEMPTS = 8;

/**
 * Read-decide-write with optimistic concurrency. With an If-Match version the caller asked for
 * exactly that version, so a mismatch is a 412 and there is no retry. Without one, a lost race
 * re-reads and decides again: a second finalize then sees `open` and gets its 409.
 */
export async function mutate<T extends { version: number }, R>(
  read: () => Promise<T>,
  ifMatch: number | undefined,
  decideAndWrite: (current: T) => Promise<R>,
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
      if (attempt >= MAX_ATTEMPTS) throw new DomainError('unavailable', 'The object is being changed by many requests at once; retry shortly');
    }
  }
}
