import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { can } from '../../domain/auth/actor.js';
import { DomainError } from '../../domain/errors.js';
import { ROUTES, routeKey, type RouteDef } from '../../infra/routes.js';
import type { IdempotencyRecords } from '../dynamodb/idempotency-records.js';
import type { ScopedLog } from '../observability/logger.js';
import type { ApiRequest, ApiResult, HttpEvent, HttpResponse, Operation } from './http-types.js';
import { idempotent } from './idempotency.js';
import { problem, toProblem } from './problem.js';
import { observeRequest } from './request-observation.js';
import { keyIsLive } from '../auth/live-key-check.js';
import { actorFromClaims, parseIfMatch, parseJsonBody, validate } from './request.js';
import { emptyInput } from '../../domain/invoices/invoice-input.js';

const ID_SHAPE = /^[a-z]{2,5}_[0-9A-Za-z]{1,40}$/;

const ROUTE_BY_KEY = new Map(ROUTES.map((r) => [routeKey(r), r]));

function toResponse(result: ApiResult): HttpResponse {
  const headers: Record<string, string> = { ...result.headers };
  if (result.html !== undefined)
    return {
      statusCode: result.status,
      headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
      body: result.html,
    };
  if (result.xml !== undefined)
    return {
      statusCode: result.status,
      headers: { 'content-type': 'application/xml; charset=utf-8', ...headers },
      body: result.xml,
    };
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  const version = (result.body as { version?: unknown }).version;
  if (typeof version === 'number') headers.etag = `"${version}"`;
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(result.body),
  };
}

const rawBody = (event: HttpEvent): string =>
  !event.body ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;

/** A file's bytes: API Gateway hands a body that is not text over base64-encoded. */
const bodyBytes = (event: HttpEvent): Uint8Array =>
  !event.body ? new Uint8Array(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/** JSON by default; a browser's form post where the route takes one; nothing parsed for a raw route. */
function readBody(route: RouteDef, event: HttpEvent): unknown {
  if (route.input === 'raw' || route.input === 'binary') return undefined;
  const type = (event.headers?.['content-type'] ?? '').toLowerCase();
  if (route.input === 'form' && type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(rawBody(event)));
  }
  return parseJsonBody(event);
}

export type HandlerOptions = { idempotency?: () => IdempotencyRecords };

/**
 * The shell every HTTP function shares: find the route, check the caller's permission, parse the
 * body and If-Match, run the operation, shape the response; errors become problem+json, so nothing
 * escapes as a bare 5xx. Each request ends with one log line and its metrics, and answers with
 * its correlation id (request-observation.ts).
 */
export function httpHandler(operations: Record<string, Operation>, options: HandlerOptions = {}) {
  const core = async (
    event: HttpEvent,
    context: Context | undefined,
    requestId: string,
    log: ScopedLog,
  ): Promise<HttpResponse> => {
    const route: RouteDef | undefined = ROUTE_BY_KEY.get(event.routeKey);
    const operation = operations[event.routeKey];
    if (!route || !operation) return problem(404, 'Not found', `No route ${event.routeKey}`);
    // Ids are opaque but have one shape; anything else cannot name an object, so it is not found.
    const id = event.pathParameters?.id;
    if (id !== undefined && !ID_SHAPE.test(id)) throw new DomainError('not_found', `No object ${id.slice(0, 64)}`);
    const actor = route.permission ? actorFromClaims(event) : null;
    if (actor?.apiKeyId && !(await keyIsLive(actor.apiKeyId, new Date())))
      throw new DomainError('unauthorized', 'The API key is revoked or expired');
    if (actor && route.permission && !can(actor, route.permission)) {
      if (!route.orPermission || !can(actor, route.orPermission))
        throw new DomainError(
          'forbidden',
          `This action needs the ${route.permission}${route.orPermission ? ` or ${route.orPermission}` : ''} permission`,
        );
    }
    const request: ApiRequest = {
      actor: actor!,
      params: (event.pathParameters ?? {}) as Record<string, string>,
      query: event.queryStringParameters ?? {},
      body: readBody(route, event),
      rawBody: route.input === 'binary' ? '' : rawBody(event),
      ...(route.input === 'binary' ? { bytes: bodyBytes(event) } : {}),
      headers: event.headers ?? {},
      ifMatch: parseIfMatch(event),
      requestId,
      host: event.headers?.host ?? event.requestContext.domainName,
    };
    // A delete refuses a body rather than ignore it: a client sending fields there expects them to
    // mean something. (Every other route's operation validates its body with its own schema.)
    if (route.method === 'DELETE') validate(emptyInput, request.body);
    const run = async () => toResponse(await operation(request));
    const key = event.headers?.['idempotency-key'];
    if (route.method === 'POST' && key !== undefined && actor && options.idempotency) {
      const answer = () => run().catch((e: unknown) => toProblem(e, requestId, log));
      return idempotent(
        options.idempotency(),
        { accountId: actor.accountId, userId: actor.userId, key, event, context, log },
        answer,
      );
    }
    return run();
  };

  return middy<HttpEvent, HttpResponse, Error, Context>().handler(async (event, context) => {
    const observed = observeRequest(event, context?.awsRequestId);
    let response: HttpResponse;
    try {
      response = await core(event, context, observed.requestId, observed.log);
    } catch (e) {
      response = toProblem(e, observed.requestId, observed.log);
    }
    return observed.finish(response);
  });
}
