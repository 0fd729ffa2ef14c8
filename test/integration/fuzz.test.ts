import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROUTES_WITH_SCHEMAS as ROUTES, type RouteWithSchemas } from '../../infra/route-schemas.js';
import { routeKey } from '../../infra/routes.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';
import { pathsFor, seedAccount, watchItems, type Seeded } from '../support/route-fixtures.js';
import {
  junkValue,
  mutatedBody,
  nastyString,
  serialize,
  validBody,
  type WireBody,
} from '../support/schema-arbitrary.js';

/**
 * Property-based fuzzing of every route in ROUTES, over real HTTP against the local stack.
 *
 * Phase 1 (refused requests, on a seeded account): each request carries at least one thing the
 * API must refuse (a body its zod schema rejects, JSON that does not parse, a malformed id,
 * If-Match or association type, no or a bad token, a missing permission) beside random headers,
 * queries and path damage. Properties: a 4xx, never a 2xx or 5xx; problem+json with `type`,
 * `title`, `status` and `detail`, `status` equal to the HTTP status; and the table is the same
 * after each route's batches as before them (one scan a route: the scan, not the requests, was
 * most of this suite's time).
 *
 * Phase 2 (valid requests, on another seeded account): bodies the schema accepts, seeded ids,
 * harmless header variants. They may create and change data; they must never get a 5xx, a
 * refusal is still problem+json, and dates in an answer have the contract's YYYY-MM-DD form.
 *
 * The seed is fixed (FUZZ_SEED overrides it); fast-check prints it, and the failing batch, on failure.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const BATCH = 6;
// The seed is fixed, so every run sends the same inputs: more batches per route are for a deeper
// run by hand (FUZZ_REFUSED_BATCHES=10 FUZZ_VALID_BATCHES=6, or another FUZZ_SEED), not for CI's budget.
const REFUSED_BATCHES_PER_ROUTE = Number(process.env.FUZZ_REFUSED_BATCHES ?? 3);
const VALID_BATCHES_PER_ROUTE = Number(process.env.FUZZ_VALID_BATCHES ?? 2);

let stack: Stack;
let target: Seeded;
let valid: Seeded;
let tokens: Record<Auth, string | null>;
let validToken: string;
const agent = new Agent({ keepAlive: true, maxSockets: BATCH });
const stats = { requests: 0, byStatus: new Map<number, number>() };

type Auth = 'superAdmin' | 'none' | 'garbage' | 'crmReadOnly';

type FuzzRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: WireBody;
  auth: Auth;
  /** Why the API must refuse it (phase 1), beside any body the schema rejects. */
  refusedFor: string[];
};

type Reply = { status: number; contentType: string; text: string };

/**
 * One request on the keep-alive agent. A reset on a reused socket is the server closing an idle
 * connection as the agent picked it (the race Node's docs describe for `reusedSocket`): sent again
 * once, on a new socket. A reset on a fresh socket still fails the test.
 */
async function send(req: FuzzRequest, token: string | null): Promise<Reply> {
  try {
    return await sendOnce(req, token);
  } catch (e) {
    if ((e as { reusedSocket?: boolean }).reusedSocket) return sendOnce(req, token);
    throw e;
  }
}

function sendOnce(req: FuzzRequest, token: string | null): Promise<Reply> {
  const url = new URL(stack.baseUrl);
  const body = serialize(req.body);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ECONNRESET' && r.reusedSocket ? Object.assign(e, { reusedSocket: true }) : e),
    );
    r.end(body);
  });
}

/** A short description of a request for failure reports (bodies can be megabytes). */
const describeRequest = (r: FuzzRequest) => {
  const body = serialize(r.body);
  return `${r.method} ${r.path.slice(0, 200)} auth=${r.auth} headers=${JSON.stringify(r.headers).slice(0, 300)} body(${body?.length ?? 0})=${body?.slice(0, 300) ?? '-'} refusedFor=${r.refusedFor.join(',')}`;
};
const withDescription = (r: FuzzRequest): FuzzRequest =>
  Object.assign(r, { [fc.toStringMethod]: () => describeRequest(r) });

// --- The parts of a request ------------------------------------------------------------------

/** Ids no object can have: the API must answer 404 (or 400 for bad encoding) without a lookup. */
const badId = fc.oneof(
  fc.constantFrom(
    '..',
    '%2e%2e',
    '.',
    '%2F',
    'inv_1%2F..%2F..',
    `inv_${'a'.repeat(41)}`,
    'x'.repeat(3000),
    '%E2%80%AE',
    '%00',
    'inv_1%00',
    'INV-1001',
    'inv_1%23INVOICE',
    'inv_-1',
    '%25',
    '%C0%AE',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'inv_%F0%9F%98%80',
    '%E0%A4%A',
    'inv_1%20',
    'ACC%23x',
  ),
  nastyString(60).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')) || '%20'),
);
const someTarget = fc.oneof(
  fc.constantFrom('con_X', 'com_1', 'deal_%23x', `quo_${'9'.repeat(80)}`, '..', '%23INVOICE%23', '%00'),
  nastyString(30).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')) || 'x'),
);
const badIfMatch = fc.oneof(
  fc.constantFrom(
    'yesterday',
    '*',
    '"abc"',
    'W/"x"',
    '""',
    '"1", "2"',
    '-1',
    '1.5',
    '"9999999999999"',
    'W/',
    'null',
    '0x1',
    '"1"x',
  ),
  fc
    .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 })
    .map((s) => `x${s}`),
);
const someIfMatch = fc.oneof(
  fc.nat(4).map((n) => `"${n}"`),
  fc.nat(4).map((n) => `W/"${n}"`),
  fc.nat(4).map(String),
);
const printable = (max: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
const latin1 = (max: number) =>
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: max });
const idempotencyKey = fc.oneof(fc.uuid(), printable(40), latin1(5), fc.constant('k'.repeat(300)), fc.constant(''));
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/merge-patch+json',
  '',
  '*/*',
  'application/problem+json',
);

/** Harmless in themselves; whatever they hold must not turn a request into a 5xx. */
const extraHeaders = (method: string) =>
  fc
    .record(
      {
        'content-type': contentType,
        accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml', ''),
        'idempotency-key': method === 'POST' ? idempotencyKey : fc.constant(undefined),
        'x-forwarded-for': printable(40),
        host: fc.constantFrom('evil.example', 'billing.example.com', 'a'.repeat(300), '127.0.0.1:1'),
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

const listQuery = fc
  .record(
    {
      limit: fc.constantFrom('0', '1', '100', '101', '-1', '1e2', 'abc', '', '10.5', '%00', '9'.repeat(40)),
      after: fc.oneof(printable(60), fc.base64String({ maxLength: 80 }), fc.constant('%%%')),
      extra: printable(20),
    },
    { requiredKeys: [] },
  )
  .map((q) => {
    const parts = Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    return parts.length ? `?${parts.join('&')}` : '';
  });

/** A route's path with the given parameters; a parameter left out keeps a seeded one. */
function pathArb(
  route: RouteWithSchemas,
  seeded: Seeded,
  mutate: boolean,
): fc.Arbitrary<{ path: string; refusedFor: string[]; damaged: boolean }> {
  const base = fc.constantFrom(...pathsFor(route, seeded));
  if (!mutate) return base.map((path) => ({ path, refusedFor: [], damaged: false }));
  return fc
    .record({
      path: base,
      id: route.path.includes('{id}') ? fc.option(badId, { freq: 2 }) : fc.constant(null),
      type: route.path.includes('{type}')
        ? fc.option(fc.constantFrom('invoices', 'contact', 'CONTACTS', '..', '%00', 'x'.repeat(100)), { freq: 3 })
        : fc.constant(null),
      targetId: route.path.includes('{targetId}') ? fc.option(someTarget, { freq: 2 }) : fc.constant(null),
      slug: route.path.includes('{slug}') ? fc.oneof(badId, fc.stringMatching(/^[a-z0-9]{1,64}$/)) : fc.constant(null),
      damage: fc.option(
        fc.constantFrom('/', '//', '/extra', '/..', '/../..', '/%2e%2e/contacts', '?', '#frag', ';x=1'),
        { freq: 5 },
      ),
    })
    .map(({ path, id, type, targetId, slug, damage }) => {
      const segments = path.split('/');
      const template = route.path.split('/');
      const refusedFor: string[] = [];
      template.forEach((t, i) => {
        if (t === '{id}' && id !== null) {
          segments[i] = id;
          refusedFor.push('id');
        }
        if (t === '{type}' && type !== null) {
          segments[i] = type;
          refusedFor.push('association type');
        }
        if (t === '{targetId}' && targetId !== null) segments[i] = targetId;
        if (t === '{slug}' && slug !== null) segments[i] = slug; // unknown slugs are 404, but count on nothing
      });
      // Path damage can land on another route (`/invoices/x/%2e%2e/contacts` is `/invoices/contacts`), or none.
      return { path: segments.join('/') + (damage ?? ''), refusedFor, damaged: damage !== null };
    });
}

function bodyArb(route: RouteWithSchemas, mutate: boolean): fc.Arbitrary<WireBody | undefined> {
  if (route.body) {
    const good = validBody(route.body);
    if (!mutate) return good.map((json) => ({ json }));
    return fc.oneof(
      { arbitrary: mutatedBody(good), weight: 5 },
      { arbitrary: good.map((json) => ({ json })), weight: 1 },
    );
  }
  if (!mutate) return fc.constant(undefined);
  const some = fc.oneof(
    junkValue.map((json) => ({ json }) as WireBody),
    mutatedBody(fc.constant({})),
  );
  return route.method === 'GET'
    ? fc.option(some, { freq: 6, nil: undefined })
    : fc.option(some, { freq: 2, nil: undefined });
}

/** Why the body alone must be refused, mirroring the handlers: no body is `{}`; bad JSON is 400. */
function bodyRefusal(route: RouteWithSchemas, body: WireBody | undefined): string | null {
  const text = serialize(body);
  let value: unknown;
  if (text !== undefined && text !== '') {
    if (Buffer.byteLength(text) > 1_000_000) return 'too large';
    try {
      value = JSON.parse(text);
    } catch {
      return 'malformed JSON';
    }
  }
  if (route.body && !route.body.safeParse(value === undefined ? {} : value).success) return 'body';
  return null;
}

function refusedRequest(route: RouteWithSchemas): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      where: pathArb(route, target, true),
      query: route.method === 'GET' ? fc.option(listQuery, { nil: '' }) : fc.constant(''),
      body: bodyArb(route, true),
      headers: extraHeaders(route.method),
      ifMatch: fc.option(
        fc.oneof(
          badIfMatch.map((v) => ({ v, bad: true })),
          someIfMatch.map((v) => ({ v, bad: false })),
        ),
        { freq: 3 },
      ),
      auth: fc.constantFrom<Auth>(
        'superAdmin',
        'superAdmin',
        'superAdmin',
        'superAdmin',
        'none',
        'garbage',
        'crmReadOnly',
      ),
    })
    .map(({ where, query, body, headers, ifMatch, auth }) => {
      const refusedFor = [...where.refusedFor];
      const h = { ...headers };
      // On a damaged path the request may reach another route: only refusals every route makes count.
      const anyRoute = (reason: string) =>
        !where.damaged || ['If-Match', 'malformed JSON', 'too large'].includes(reason);
      if (ifMatch) {
        h['if-match'] = ifMatch.v;
        if (ifMatch.bad) refusedFor.push('If-Match');
      }
      const forBody = bodyRefusal(route, body);
      if (forBody) refusedFor.push(forBody);
      if (route.permission && (auth === 'none' || auth === 'garbage')) refusedFor.push('token');
      if (route.permission && auth === 'crmReadOnly' && route.permission !== 'crm:read') refusedFor.push('permission');
      // Everything else happened to be acceptable: make it refusable by a malformed If-Match.
      refusedFor.splice(0, refusedFor.length, ...refusedFor.filter(anyRoute));
      if (!refusedFor.length) {
        h['if-match'] = 'not-an-etag';
        refusedFor.push('If-Match (forced)');
      }
      return withDescription({
        method: route.method,
        path: where.path + query,
        headers: h,
        ...(body ? { body } : {}),
        auth,
        refusedFor,
      });
    });
}

function validRequest(route: RouteWithSchemas): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      where: pathArb(route, valid, false),
      body: bodyArb(route, false),
      headers: fc.record(
        {
          'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'),
          'idempotency-key': route.method === 'POST' ? fc.uuid() : fc.constant(undefined),
          'if-match': someIfMatch,
        },
        { requiredKeys: ['content-type'] },
      ),
    })
    .map(({ where, body, headers }) =>
      withDescription({
        method: route.method,
        path: where.path,
        headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >,
        ...(body ? { body } : {}),
        auth: 'superAdmin',
        refusedFor: [],
      }),
    );
}

// --- Properties ------------------------------------------------------------------------------

function checkProblem(reply: Reply, what: string) {
  expect(
    reply.contentType,
    `${what}: a ${reply.status} must be problem+json, got ${reply.contentType}: ${reply.text.slice(0, 300)}`,
  ).toContain('application/problem+json');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    throw new Error(`${what}: problem body is not JSON: ${reply.text.slice(0, 300)}`);
  }
  for (const field of ['type', 'title', 'detail'])
    expect(typeof body[field], `${what}: problem.${field} in ${reply.text.slice(0, 300)}`).toBe('string');
  expect(body.status, `${what}: problem.status`).toBe(reply.status);
}

/** Dates and instants in an answer have the contract's forms: `2026-11-27`, `2026-11-27T10:15:00Z`. */
function checkDates(value: unknown, what: string, key = ''): void {
  if (Array.isArray(value)) return value.forEach((v) => checkDates(v, what, key));
  if (value && typeof value === 'object') return Object.entries(value).forEach(([k, v]) => checkDates(v, what, k));
  if (typeof value !== 'string') return;
  if (/(Date|On)$/.test(key)) expect(value, `${what}: ${key}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  if (/At$/.test(key)) expect(value, `${what}: ${key}`).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
}

function record(reply: Reply) {
  stats.requests++;
  stats.byStatus.set(reply.status, (stats.byStatus.get(reply.status) ?? 0) + 1);
}

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join();
let cleanProto: string;

beforeAll(async () => {
  stack = await startStack();
  const targetAccount = uniqueAccount('acc_fuzz');
  const validAccount = uniqueAccount('acc_fuzzok');
  const targetToken = await stack.token(targetAccount);
  target = await seedAccount(client(stack.baseUrl, targetToken), targetAccount, 'FUZZ');
  validToken = await stack.token(validAccount);
  valid = await seedAccount(client(stack.baseUrl, validToken), validAccount, 'FUZZOK');
  tokens = {
    superAdmin: targetToken,
    none: null,
    garbage: 'eyJhbGciOiJub25lIn0.eyJhY2NvdW50SWQiOiJ4In0.',
    crmReadOnly: await stack.token(targetAccount, { permissions: ['crm:read'] }),
  };
  cleanProto = protoKeys();
}, 180_000);

afterAll(async () => {
  agent.destroy();
  await stack?.close();
  console.log(
    `fuzz: seed ${SEED}, ${stats.requests} requests, statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort(([a], [b]) => a - b)))}`,
  );
});

describe(`refused requests: a 4xx problem+json, never a change (seed ${SEED})`, () => {
  // The table as the previous route left it (the routes run one after another).
  let table: ReturnType<typeof watchItems>;
  beforeAll(async () => {
    table = watchItems(stack.tableName, null);
    await table.start();
  });
  test.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s', async (key, route) => {
    const sent: FuzzRequest[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(refusedRequest(route), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        sent.push(...batch);
        const replies = await Promise.all(batch.map((req) => send(req, tokens[req.auth])));
        batch.forEach((req, i) => {
          const reply = replies[i]!;
          record(reply);
          const what = describeRequest(req);
          expect(reply.status, `${what} → ${reply.status} ${reply.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
          expect(reply.status, `${what} → ${reply.status} ${reply.text.slice(0, 300)}`).toBeLessThan(500);
          checkProblem(reply, what);
        });
        expect(protoKeys(), 'Object.prototype was polluted').toBe(cleanProto);
      }),
      { seed: SEED, numRuns: REFUSED_BATCHES_PER_ROUTE, endOnFailure: !process.env.FUZZ_SHRINK },
    );
    await table.expectUnchanged(
      `a refused request to ${key} changed the table; it was one of:\n${sent.map(describeRequest).join('\n')}`,
    );
  });
});

describe(`valid requests: never a 5xx; refusals are problem+json (seed ${SEED})`, () => {
  test.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s', async (_key, route) => {
    await fc.assert(
      fc.asyncProperty(fc.array(validRequest(route), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const replies = await Promise.all(batch.map((req) => send(req, validToken)));
        batch.forEach((req, i) => {
          const reply = replies[i]!;
          record(reply);
          const what = describeRequest(req);
          expect(reply.status, `${what} → ${reply.status} ${reply.text.slice(0, 300)}`).toBeLessThan(500);
          if (reply.status >= 400) checkProblem(reply, what);
          else if (reply.contentType.includes('json')) checkDates(JSON.parse(reply.text), what);
        });
        expect(protoKeys(), 'Object.prototype was polluted').toBe(cleanProto);
      }),
      { seed: SEED, numRuns: VALID_BATCHES_PER_ROUTE, endOnFailure: !process.env.FUZZ_SHRINK },
    );
  });
});
