import { DomainError, type DomainErrorCode } from '../../domain/errors.js';
import { scopedLog, type ScopedLog } from '../observability/logger.js';
import type { HttpResponse } from './http-types.js';

const STATUS: Record<DomainErrorCode, number> = {
  malformed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  too_many_requests: 429,
  validation: 422,
  unavailable: 503,
};

const TITLE: Record<DomainErrorCode, string> = {
  malformed: 'Malformed request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  too_many_requests: 'Too many requests',
  validation: 'Validation failed',
  unavailable: 'Service unavailable',
};

/** Errors listed in one problem body at most; a 10,000-line body does not get 10,000 entries back. */
const MAX_LISTED_ERRORS = 50;

/**
 * AWS SDK errors that mean "try again soon", not "we are broken". A dependency that is down or
 * hung surfaces as a socket error code or as the SDK's `TimeoutError` (a connect timeout carries no
 * code, only that name; functions/dynamodb/client.ts sets the timeouts).
 */
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'TimeoutError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalServerError',
]);

function isTransient(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: string }).code;
  return TRANSIENT.has(e.name) || (code !== undefined && TRANSIENT.has(code));
}

export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponse {
  const code = Object.entries(STATUS).find(([, s]) => s === status)?.[0] ?? 'internal';
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: `/problems/${code.replace(/_/g, '-')}`, title, status, detail, ...extra }),
  };
}

/**
 * The one mapping from errors to problem+json: domain errors by their code; transient AWS errors
 * as 503 with Retry-After; anything else is a bug, logged with its stack at error level and
 * answered with a generic 500 that exposes nothing (the request id in the body finds the log line).
 */
export function toProblem(e: unknown, requestId: string, log: ScopedLog = scopedLog({ requestId })): HttpResponse {
  if (e instanceof DomainError) {
    const status = STATUS[e.code];
    const extra: Record<string, unknown> = { ...e.extra };
    if (e.errors.length) extra.errors = e.errors.slice(0, MAX_LISTED_ERRORS);
    if (e.errors.length > MAX_LISTED_ERRORS) extra.moreErrors = e.errors.length - MAX_LISTED_ERRORS;
    const retryAfter =
      status === 503
        ? '1'
        : status === 429 && typeof e.extra.retryAfterSeconds === 'number'
          ? String(e.extra.retryAfterSeconds)
          : null;
    return problem(status, TITLE[e.code], e.message, extra, retryAfter ? { 'retry-after': retryAfter } : {});
  }
  if (isTransient(e)) {
    // A socket error's name is only "Error"; its code (ECONNREFUSED) says what happened.
    log.warn('dependency unavailable', { errorName: (e as Error).name, code: (e as { code?: string }).code });
    return problem(
      503,
      TITLE.unavailable,
      'A dependency is briefly unavailable; retry shortly',
      {},
      { 'retry-after': '1' },
    );
  }
  log.error('unhandled error', {}, e);
  return problem(500, 'Internal error', 'Something went wrong on our side; the request id identifies it', {
    requestId,
  });
}
