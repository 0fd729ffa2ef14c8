import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2WithRequestContext } from 'aws-lambda';
import type { Actor } from '../../domain/auth/actor.js';

/**
 * What the authorizer leaves on the event: the Lambda authorizer's context (`lambda`, all strings:
 * functions/auth/bearer-authorizer.ts). `jwt` is what API Gateway's own JWT authorizer set, still
 * read so events shaped that way (benchmarks, older tests) keep working.
 */
export type HttpAuthorizer = {
  lambda?: Record<string, unknown>;
  jwt?: { claims: Record<string, string | number | boolean | string[]>; scopes: string[] | null };
};

/** The event an HTTP API (payload v2) with the Lambda authorizer hands a function; the local runtime builds the same. */
export type HttpEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: HttpAuthorizer }
>;

export type HttpResponse = { statusCode: number; headers: Record<string, string>; body: string };

/** What an operation sees: the caller, the path, the query, the parsed JSON body and If-Match. */
export type ApiRequest = {
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  ifMatch: number | undefined;
  requestId: string;
  /** The body as it arrived (a webhook's signature covers these exact bytes). */
  rawBody: string;
  /** The body's bytes, on a route that takes a file (`input: 'binary'`); absent elsewhere. */
  bytes?: Uint8Array;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | undefined>;
  /** The Host the request was sent to (the buyer page tells connected domains apart by it). */
  host: string | undefined;
};

/**
 * What an operation returns: a status and an object (JSON, with a version for the ETag), an HTML
 * document (`html`), or nothing (a 204, or a redirect whose `headers` carry the location).
 */
export type ApiResult = {
  status: number;
  body?: unknown;
  html?: string;
  /** An XML document (e-invoices), sent as application/xml. */
  xml?: string;
  headers?: Record<string, string>;
};

export type Operation = (req: ApiRequest) => Promise<ApiResult>;
