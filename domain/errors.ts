/**
 * Domain errors carry a code that the HTTP layer maps to a status; the domain never speaks HTTP.
 * One place (functions/http/problem.ts) turns these codes into problem+json responses.
 */
export type FieldError = { path: string; message: string };

export type DomainErrorCode =
  | 'malformed' // the request could not be read at all (400)
  | 'validation' // well-formed input that breaks a rule (422)
  | 'unauthorized' // no or bad credentials (401)
  | 'forbidden' // authenticated, but lacks the permission (403)
  | 'not_found' // does not exist in this account (404)
  | 'conflict' // the object's state does not allow the action (409)
  | 'precondition_failed' // If-Match names a version that is no longer current (412)
  | 'payload_too_large' // body over the limit (413)
  | 'too_many_requests' // an action's own rate limit (429; `extra.retryAfterSeconds`)
  | 'unavailable'; // a dependency is down or contention did not settle (503)

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (detail: string, errors: FieldError[]) => new DomainError('validation', detail, errors);

export const fieldError = (path: string, message: string) =>
  new DomainError('validation', message, [{ path, message }]);

export const notFound = (what: string, id: string) => new DomainError('not_found', `${what} ${id} was not found`);

export const conflict = (detail: string, extra: Record<string, unknown> = {}) =>
  new DomainError('conflict', detail, [], extra);

export const preconditionFailed = (expected: number, current: number) =>
  new DomainError(
    'precondition_failed',
    `If-Match names version ${expected}, but the current version is ${current}`,
    [],
    { currentVersion: current },
  );
