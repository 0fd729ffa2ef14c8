import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ROUTES_WITH_SCHEMAS as ROUTES, type RouteWithSchemas } from '../../infra/route-schemas.js';
import { routeKey } from '../../infra/routes.js';
import { bodyFor, pathsFor, seedAccount, watchItems, type Seeded } from '../support/route-fixtures.js';
import { client, startStack, uniqueAccount, type ApiResponse, type Stack } from '../support/local-stack.js';

/**
 * Tenant isolation, route by route, enumerated from the route table: every route that takes a
 * token is called by account B's super admin on account A's objects (every kind, every invoice
 * status). Routes that name an object answer 404 problem+json; routes that do not (lists,
 * creates, settings) answer with none of A's ids or text; and A's items in the table are the same
 * afterwards. A new route is covered as soon as it is in ROUTES, or the suite fails naming what
 * it lacks (a path fixture or a sample body, in test/support/route-fixtures.ts).
 */

let stack: Stack;
let a: Seeded;
let b: Seeded;
let callAsB: ReturnType<typeof client>;

const tokenRoutes = ROUTES.filter((r) => r.permission !== null);
const namesAnObject = (r: RouteWithSchemas) => /\{\w+\}/.test(r.path);
const idRoutes = tokenRoutes.filter(namesAnObject);
const idlessRoutes = tokenRoutes.filter((r) => !namesAnObject(r));

beforeAll(async () => {
  stack = await startStack();
  const accountA = uniqueAccount('acc_a');
  const accountB = uniqueAccount('acc_b');
  a = await seedAccount(client(stack.baseUrl, await stack.token(accountA)), accountA, `SECRET${accountA.slice(-6)}`);
  callAsB = client(stack.baseUrl, await stack.token(accountB));
  // B has objects of its own, so its lists are not trivially empty and its associations have an invoice.
  b = await seedAccount(callAsB, accountB, 'PUBLICB');
  itemsOfA = watchItems(stack.tableName, a.accountId);
  await itemsOfA.start();
});
afterAll(() => stack?.close());

// A's items, scan against scan: the tests run one after another and nothing acts as A, so one scan
// a route shows whether that route changed them.
let itemsOfA: ReturnType<typeof watchItems>;
const expectAUnchanged = (what: string) => itemsOfA.expectUnchanged(`${what} changed A's items`);

/** None of A's ids or text in an answer to B, beside what B itself sent (a 422 may name the id B gave). */
function expectNoneOfA(res: ApiResponse, what: string, sent: unknown) {
  const text = JSON.stringify(res.body);
  const echo = JSON.stringify(sent) ?? '';
  expect(text, `${what} leaks A's text`).not.toContain(a.marker);
  for (const id of a.allIds.filter((i) => !echo.includes(i)))
    expect(text, `${what} leaks A's id ${id}`).not.toContain(id);
}

function expectNotFoundProblem(res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(404);
  expect(res.headers.get('content-type'), what).toContain('application/problem+json');
  expect(res.body, what).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: 404,
    detail: expect.any(String),
  });
  expect(JSON.stringify(res.body), `${what} leaks A's text`).not.toContain(a.marker);
}

test('the route table has routes of both kinds to check', () => {
  expect(idRoutes.length).toBeGreaterThan(20);
  expect(idlessRoutes.length).toBeGreaterThan(5);
});

test('a route the fixtures cannot call fails by name instead of being skipped', () => {
  const unbuildable = {
    method: 'POST',
    path: '/nothing',
    function: 'crm',
    permission: 'crm:write',
    summary: '',
    status: 201,
    body: z.strictObject({ x: z.string().refine(() => false) }),
  } as const satisfies RouteWithSchemas;
  expect(() => bodyFor(unbuildable, a)).toThrow(/POST \/nothing takes a body but has no entry in SAMPLE_BODIES/);
  expect(() => pathsFor({ ...unbuildable, path: '/widgets/{id}' }, a)).toThrow(/no seeded widgets/);
  expect(() => pathsFor({ ...unbuildable, path: '/invoices/{id}/lines/{lineId}' }, a)).toThrow(
    /no fixture for path parameter\(s\) lineId/,
  );
});

describe("B's token on A's ids: 404, and A's items unchanged", () => {
  test.each(idRoutes.map((r) => [routeKey(r), r] as const))('%s', async (key, route) => {
    const paths = pathsFor(route, a);
    const body = bodyFor(route, a);
    for (const path of paths) {
      const res = await callAsB(route.method, path, body);
      expectNotFoundProblem(res, `${key} as ${route.method} ${path}`);
    }
    await expectAUnchanged(`${route.method} on ${paths.join(', ')}`);
  });
});

describe("B's own invoice with A's record as the association target: refused, A unchanged", () => {
  const associationRoutes = idRoutes.filter((r) => r.path.includes('{targetId}'));
  test.each(associationRoutes.map((r) => [routeKey(r), r] as const))('%s', async (_key, route) => {
    const ownInvoice = { ...b, ids: { ...a.ids, invoices: [b.invoices.draft, b.invoices.open] } };
    const paths = pathsFor(route, ownInvoice);
    for (const path of paths) {
      const res = await callAsB(route.method, path, bodyFor(route, b));
      expect(res.status, `${route.method} ${path}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(res.body)).not.toContain(a.marker);
    }
    await expectAUnchanged(`${route.method} on ${paths.join(', ')}`);
  });
});

describe("B's token on routes without ids: none of A's data in the answer, A unchanged", () => {
  test.each(idlessRoutes.map((r) => [routeKey(r), r] as const))('%s', async (key, route) => {
    const query = route.method === 'GET' ? '?limit=100' : '';
    // Bodies are built from A's seeds where they name records (B trying to use A's contact, deal…).
    for (const body of route.body ? [bodyFor(route, a), bodyFor(route, b)] : [undefined]) {
      const res = await callAsB(route.method, route.path + query, body);
      expect(res.status, `${key}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      expectNoneOfA(res, key, body);
    }
    await expectAUnchanged(key);
  });
});
