import { createHash } from 'node:crypto';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { can } from '../../domain/auth/actor.js';
import { DomainError } from '../../domain/errors.js';
import { ROUTES, routeKey, type RouteDef } from '../../infra/routes.js';
import type { DynamoIdempotencyStore, StoredResponse } from '../dynamodb/idempotency-store.js';
import type { ApiRequest, ApiResult, HttpEvent, HttpResponse, Operation } from './http-types.js';
import type { ScopedLog } from '../observability/logger.js';
import { actorFromClaims, parseIfMatch, parseJsonBody } from './request.js';
import { problem, toProblem } from './problem.js';
import { observeRequest } from './request-observation.js';

const ID_SHAPE = /^[a-z]{2,5}_[0-9A-Za-z]{1,40}$/;

const ROUTE_BY_KEY = new Map(ROUTES.map((r) => [routeKey(r), r]));

function toResponse(result: ApiResult): HttpResponse {
  const headers: Record<string, string> = { ...result.headers };
  if (result.html !== undefined) return { statusCode: result.status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: result.html };
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  const version = (result.body as { version?: unknown }).version;
  if (typeof version === 'number') headers.etag = `"${version}"`;
  return { statusCode: result.status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(result.body) };
}

/**
 * A retry with the same Idempotency-Key and body gets the first response and changes nothing;
 * the same key with another request is 422. Responses below 500 are kept; a 5xx frees the key.
 */
async function idempotent(store: DynamoIdempotencyStore, accountId: string, key: string, event: HttpEvent, requestId: string, log: ScopedLog, run: () => Promise<HttpResponse>): Promise<HttpResponse> {
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new DomainError('malformed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'is not valid' }]);
  }
  const hash = createHash('sha256').update(`${event.routeKey}\n${event.rawPath}\n${event.body ?? ''}`).digest('hex');
  const claimed = await store.begin(accountId, key, hash, Math.floor(Date.now() / 1000));
  if (claimed.state !== 'new') {
    if (claimed.hash !== hash) {
      throw new DomainError('validation', 'This Idempotency-Key was already used with a different request', [{ path: 'Idempotency-Key', message: 'was used with another request' }]);
    }
    if (claimed.state === 'inProgress') throw new DomainError('conflict', 'A request with this Idempotency-Key is still in progress; retry shortly');
    return { ...claimed.response, headers: { ...claimed.response.headers, 'idempotent-replayed': 'true' } };
  }
  let response: HttpResponse;
  try {
    response = await run();
  } catch (e) {
    response = toProblem(e, requestId, log);
  }
  try {
    if (response.statusCode < 500) await store.complete(accountId, key, response satisfies StoredResponse);
    else await store.abandon(accountId, key);
  } catch (e) {
    // The work is done and its answer is right; failing to remember it must not turn it into a 5xx.
    log.warn('idempotency record not completed', { errorName: (e as Error).name }, e);
    await store.abandon(accountId, key).catch(() => undefined);
  }
  return response;
}

export type HandlerOptions = { idempotency?: () => DynamoIdempotencyStore };

/**
 * The shell every HTTP function shares: find the route, check the caller's permission, parse the
 * body and If-Match, run the operation, shape the response; errors become problem+json, so nothing
 * escapes as a bare 5xx. Each request ends with one log line and its metrics, and answers with
 * its correlation id (request-observation.ts).
 */
export function httpHandler(operations: Record<string, Operation>, options: HandlerOptions = {}) {
  const core = async (event: HttpEvent, requestId: string, log: ScopedLog): Promise<HttpResponse> => {
    const route: RouteDef | undefined = ROUTE_BY_KEY.get(event.routeKey);
    const operation = operations[event.routeKey];
    if (!route || !operation) return problem(404, 'Not found', `No route ${event.routeKey}`);
    // Ids are opaque but have one shape; anything else cannot name an object, so it is not found.
    const id = event.pathParameters?.id;
    if (id !== undefined && !ID_SHAPE.test(id)) throw new DomainError('not_found', `No object ${id.slice(0, 64)}`);
    const actor = route.permission ? actorFromClaims(event) : null;
    if (actor && route.permission && !can(actor, route.permission)) {
      throw new DomainError('forbidden', `This action needs the ${route.permission} permission`);
    }
    const request: ApiRequest = {
      actor: actor!,
      params: (event.pathParameters ?? {}) as Record<string, string>,
      query: event.queryStringParameters ?? {},
      body: parseJsonBody(event),
      ifMatch: parseIfMatch(event),
      requestId,
      host: event.headers?.host ?? event.requestContext.domainName,
    };
    const run = async () => toResponse(await operation(request));
    const key = event.headers?.['idempotency-key'];
    if (route.method === 'POST' && key !== undefined && actor && options.idempotency) {
      return idempotent(options.idempotency(), actor.accountId, key, event, requestId, log, run);
    }
    return run();
  };

  return middy<HttpEvent, HttpResponse, Error, Context>().handler(async (event, context) => {
    const observed = observeRequest(event, context?.awsRequestId);
    let response: HttpResponse;
    try {
      response = await core(event, observed.requestId, observed.log);
    } catch (e) {
      response = toProblem(e, observed.requestId, observed.log);
    }
    return observed.finish(response);
  });
}
