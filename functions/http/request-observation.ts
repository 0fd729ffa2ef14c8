import { CORRELATION_ID_HEADER, correlationIdOf } from '../observability/correlation-id.js';
import { scopedLog, type ScopedLog } from '../observability/logger.js';
import { countMetric, flushMetrics, METRIC } from '../observability/metrics.js';
import type { HttpEvent, HttpResponse } from './http-types.js';
import { authorizerClaims } from './request.js';

export type ObservedRequest = {
  requestId: string;
  correlationId: string;
  /** Every line carries the request id and the correlation id. */
  log: ScopedLog;
  /** Ends the request: the correlation header on the response, the request line, the metrics. */
  finish(response: HttpResponse): HttpResponse;
};

/**
 * The account the token names, for the request line. Read from the claims as they are (the shell
 * checks them later, and a 401 or 403 should still say whose request it was), held to the
 * account id's shape so that no claim value other than an id reaches the logs.
 */
function accountIdOf(event: HttpEvent): string | undefined {
  const accountId = authorizerClaims(event)?.accountId;
  return typeof accountId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(accountId) ? accountId : undefined;
}

/**
 * One HTTP request as the logs and metrics see it. At the end it logs one line: method, route
 * key (the route's template, never the raw path: buyer links carry their secret slug in it),
 * status, duration, request id, correlation id and account. Never the query, headers or bodies,
 * which carry names, emails, addresses and comments.
 */
export function observeRequest(event: HttpEvent, awsRequestId?: string): ObservedRequest {
  const started = performance.now();
  const requestId = event.requestContext?.requestId ?? awsRequestId ?? 'unknown';
  const correlationId = correlationIdOf(event.headers, requestId);
  const log = scopedLog({ correlation_id: correlationId, requestId });
  return {
    requestId,
    correlationId,
    log,
    finish(response) {
      if (response.statusCode >= 500) countMetric(METRIC.requestErrors5xx);
      const accountId = accountIdOf(event);
      log.info('request', {
        method: event.requestContext?.http?.method,
        routeKey: event.routeKey,
        status: response.statusCode,
        durationMs: Math.round(performance.now() - started),
        ...(accountId ? { accountId } : {}),
        ...(response.headers['idempotent-replayed'] ? { idempotentReplay: true } : {}),
      });
      flushMetrics();
      return { ...response, headers: { ...response.headers, [CORRELATION_ID_HEADER]: correlationId } };
    },
  };
}
