import { DomainError } from './errors.js';

/**
 * Paging cursors are JSON, base64url-encoded: opaque to callers, and read back only by the list
 * (or search) that made them, which checks their shape. A cursor that is not one is a 400 naming
 * `after`.
 */
export const encodeCursorJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function badCursor(what: 'list' | 'search' = 'list'): DomainError {
  const detail = what === 'list' ? 'The paging cursor is not valid' : `The paging cursor is not valid for this ${what}`;
  return new DomainError('malformed', detail, [{ path: 'after', message: `is not a cursor this ${what} returned` }]);
}

/** The object inside a cursor (its fields still to be checked by the caller). */
export function decodeCursorJson(cursor: string, what: 'list' | 'search' = 'list'): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor(what);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badCursor(what);
  return parsed as Record<string, unknown>;
}
