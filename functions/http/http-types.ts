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
};

/** What an operation returns: a status and an object (with a version, for the ETag) or nothing. */
export type ApiResult = { status: number; body?: unknown; headers?: Record<string, string> };

export type Operation = (req: ApiRequest) => Promise<ApiResult>;
