import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { FUNCTION_ENTRY, ROUTES, routeKey, type ApiFunction, type RouteDef } from '../routes.js';
import type { HttpEvent, HttpResponse } from '../../functions/http/http-types.js';
import { API_THROTTLE, type Throttle } from '../throttle.js';
import { AUTHORIZER_CACHE_SECONDS } from '../authorizer.js';
import type { AuthContext } from '../../functions/auth/bearer-authorizer.js';
import { localAuthorizer, type SigningKeys } from './local-auth.js';
import { TokenBucket } from './token-bucket.js';

/** API Gateway's HTTP API refuses bodies over 10 MB; locally we stop reading there too. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

const ROOT = resolve(import.meta.dirname, '../..');

const compiled = ROUTES.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'));
  // API Gateway prefers the most specific route: more literal segments win.
  const literals = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
  return { route, regex: new RegExp(`^${pattern}$`), names, literals };
}).sort((a, b) => b.literals - a.literals);

function match(
  method: string,
  path: string,
): { route: RouteDef; params: Record<string, string> } | 'method' | 'bad path' | null {
  let pathMatched = false;
  for (const c of compiled) {
    const m = c.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (c.route.method !== method) continue;
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    } catch {
      return 'bad path';
    }
    return { route: c.route, params };
  }
  return pathMatched ? 'method' : null;
}

/** Text media types pass as UTF-8; any other declared type (an image, octet-stream) as base64. */
const TEXT_TYPE = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[\w.+-]+\+(json|xml))\b)/i;
const binaryBody = (headers: Record<string, string>): boolean => {
  const type = headers['content-type']?.trim();
  return !!type && !TEXT_TYPE.test(type);
};

function readBody(req: IncomingMessage): Promise<Buffer | 'too large'> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        resolveBody('too large');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: HttpResponse) {
  res.writeHead(r.statusCode, r.headers);
  res.end(r.body);
}

const problem = (status: number, title: string, detail: string): HttpResponse => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: 'about:blank', title, status, detail }),
});

/** What API Gateway answers a throttled request with, as problem details (a client retries after Retry-After). */
const tooManyRequests = (retryAfterSeconds: number): HttpResponse => ({
  statusCode: 429,
  headers: {
    'content-type': 'application/problem+json',
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  },
  body: JSON.stringify({
    type: '/problems/too-many-requests',
    title: 'Too many requests',
    status: 429,
    detail: 'The API is throttled; retry after the number of seconds in Retry-After',
  }),
});

/**
 * How long a local invocation may run. Lambda behind API Gateway has 30 s, but here one process
 * plays every concurrent Lambda, and numbering writes for one counter queue behind each other in
 * it (see DynamoInvoiceStore), so a burst of creates waits longer than any one Lambda would.
 */
const LOCAL_TIMEOUT_MS = 120_000;

/** A Lambda context good enough for the handlers (they read the request id and the time left). */
function lambdaContext(fn: ApiFunction, requestId: string): Context {
  const deadline = Date.now() + LOCAL_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${fn}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/local-${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * API Gateway's authorizer cache: one answer (allow or deny) per Authorization header for
 * AUTHORIZER_CACHE_SECONDS. Kept here too so that what the functions must re-check themselves
 * (a key revoked within the cache's lifetime) is tested the way it runs in AWS.
 */
function cachedAuthorizer(
  authorize: (authorization: string | undefined) => Promise<AuthContext | null>,
): (authorization: string | undefined) => Promise<AuthContext | null> {
  const cache = new Map<string, { answer: AuthContext | null; until: number }>();
  return async (authorization) => {
    // No header: API Gateway answers 401 without calling the authorizer, and caches nothing.
    if (!authorization) return null;
    const hit = cache.get(authorization);
    if (hit && hit.until > Date.now()) return hit.answer;
    const answer = await authorize(authorization);
    if (cache.size >= 10_000) cache.clear();
    cache.set(authorization, { answer, until: Date.now() + AUTHORIZER_CACHE_SECONDS * 1000 });
    return answer;
  };
}

export type ApiServerOptions = {
  keys: SigningKeys;
  /**
   * The stage's throttle (default: the one the CDK stack sets), applied to the whole server as
   * one token bucket. Tests and benchmarks that send more than it allows pass a higher one.
   */
  throttle?: Throttle;
};

/**
 * The local API Gateway: matches a request against the route table, throttles it as the stage
 * does (429 before anything else runs), checks the bearer token as the JWT authorizer would (401
 * before any function runs), builds the HTTP API payload v2 event and calls the very handler
 * module the Lambda runs.
 */
export function createApiServer(opts: ApiServerOptions): Server {
  const bucket = new TokenBucket(opts.throttle ?? API_THROTTLE);
  const authorize = cachedAuthorizer(localAuthorizer(opts.keys));
  const handlers = new Map<ApiFunction, Promise<Handler>>();
  const load = (fn: ApiFunction) => {
    if (!handlers.has(fn)) {
      handlers.set(
        fn,
        import(pathToFileURL(resolve(ROOT, FUNCTION_ENTRY[fn])).href).then((m: { handler: Handler }) => m.handler),
      );
    }
    return handlers.get(fn)!;
  };

  // Every failure is answered inside `serve`, so the promise it returns never rejects.
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = (req.method ?? 'GET').toUpperCase();
      const found = match(method, url.pathname);
      if (found === null) return send(res, problem(404, 'Not found', `No route for ${url.pathname}`));
      if (found === 'bad path') return send(res, problem(400, 'Bad request', 'The path is not validly encoded'));
      if (found === 'method')
        return send(res, problem(405, 'Method not allowed', `${method} is not allowed on ${url.pathname}`));
      const wait = bucket.take();
      if (wait > 0) return send(res, tooManyRequests(wait));
      const body = await readBody(req);
      if (body === 'too large') return send(res, problem(413, 'Payload too large', 'The request body is over 10 MB'));

      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      let claims: AuthContext | null = null;
      if (found.route.permission) {
        claims = await authorize(headers.authorization);
        if (!claims)
          return send(res, {
            ...problem(401, 'Unauthorized', 'A valid bearer token is required'),
            headers: { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' },
          });
      }
      const requestId = randomUUID();
      const now = new Date();
      const key = routeKey(found.route);
      const query = Object.fromEntries(url.searchParams.entries());
      const event = {
        version: '2.0',
        routeKey: key,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(Object.keys(found.params).length ? { pathParameters: found.params } : {}),
        // As API Gateway does: a body whose media type is not text arrives base64-encoded.
        ...(body.length ? { body: body.toString(binaryBody(headers) ? 'base64' : 'utf8') } : {}),
        isBase64Encoded: body.length > 0 && binaryBody(headers),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? '127.0.0.1',
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: key,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          ...(claims ? { authorizer: { lambda: claims } } : {}),
        },
      } as unknown as HttpEvent;
      const handler = await load(found.route.function);
      send(res, await handler(event, lambdaContext(found.route.function, requestId)));
    } catch (e) {
      console.error(e);
      if (!res.headersSent) send(res, problem(502, 'Bad gateway', 'The function failed to answer'));
    }
  };
  return createServer((req, res) => void serve(req, res));
}

/** Listens, turning "port in use" into a plain message instead of a stack trace. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE' ? new Error(`Port ${port} on ${host} is already in use; set PORT to another port`) : e,
      );
    });
    server.listen(port, host, () => resolveListen((server.address() as AddressInfo).port));
  });
}
