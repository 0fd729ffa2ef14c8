import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Actor } from '../../domain/auth/actor.js';

/** The event an HTTP API (payload v2) with a JWT authorizer hands a function; the local runtime builds the same. */
export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export type HttpResponse = { statusCode: number; headers: Record<string, string>; body: string };

/** What an operation sees: the caller, the path, the query, the parsed JSON body and If-Match. */
export type ApiRequest = {
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  ifMatch: number | undefined;
  requestId: string;
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
