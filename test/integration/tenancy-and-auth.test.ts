import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, newSigningKeys } from '../../infra/local/local-auth.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;
let invoice: { id: string };
let contactId: string;

beforeAll(async () => {
  stack = await startStack();
  a = client(stack.baseUrl, await stack.token(uniqueAccount('acc_a')));
  b = client(stack.baseUrl, await stack.token(uniqueAccount('acc_b')));
  contactId = (await a('POST', '/contacts', { firstName: 'Ada' })).body.id;
  invoice = (await a('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'Work', unitPrice: 100 }] }))
    .body;
});
afterAll(() => stack.close());

test("account B gets 404 for every route on account A's invoice, and nothing changes", async () => {
  const before = (await a('GET', `/invoices/${invoice.id}`)).body;
  const calls: [string, string, unknown?][] = [
    ['GET', `/invoices/${invoice.id}`],
    ['PATCH', `/invoices/${invoice.id}`, { poNumber: 'stolen' }],
    ['DELETE', `/invoices/${invoice.id}`],
    ['POST', `/invoices/${invoice.id}/finalize`],
    ['POST', `/invoices/${invoice.id}/mark-paid`, {}],
    ['POST', `/invoices/${invoice.id}/void`],
    ['POST', `/invoices/${invoice.id}/clone`],
    ['DELETE', `/invoices/${invoice.id}/associations/contacts/${contactId}`],
    ['GET', `/contacts/${contactId}`],
    ['PATCH', `/contacts/${contactId}`, { firstName: 'Eve' }],
    ['DELETE', `/contacts/${contactId}`],
  ];
  for (const [method, path, body] of calls) {
    const res = await b(method, path, body);
    expect(res.status, `${method} ${path}`).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('Ada');
  }
  expect((await a('GET', `/invoices/${invoice.id}`)).body).toEqual(before);
  expect((await b('GET', '/invoices')).body.results).toEqual([]);
  // B cannot bill A's contact either.
  const borrowed = await b('POST', '/invoices', { contacts: [contactId] });
  expect(borrowed.status).toBe(422);
  expect(borrowed.body.errors[0].path).toBe('contacts.0');
});

test("a cursor from account A's list does not page B's", async () => {
  await a('POST', '/invoices', {});
  const page = await a('GET', '/invoices?limit=1');
  expect(page.body.paging.next.after).toBeTruthy();
  const res = await b('GET', `/invoices?limit=1&after=${page.body.paging.next.after}`);
  expect(res.status).toBe(400);
  expect(res.body.errors[0].path).toBe('after');
});

test('no token, a bad token, a foreign key or an expired token: 401', async () => {
  expect((await client(stack.baseUrl, null)('GET', '/invoices')).status).toBe(401);
  expect((await client(stack.baseUrl, 'not-a-jwt')('GET', '/invoices')).status).toBe(401);
  const foreign = await newSigningKeys();
  const forged = await new SignJWT({ accountId: 'acc_x', role: 'superAdmin' })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('u')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setExpirationTime('1h')
    .sign(foreign.privateKey);
  expect((await client(stack.baseUrl, forged)('GET', '/invoices')).status).toBe(401);
  const expired = await new SignJWT({ accountId: 'acc_x', role: 'superAdmin' })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('u')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(stack.keys.privateKey);
  const res = await client(stack.baseUrl, expired)('GET', '/invoices');
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
});

test('permissions: a read-only user reads but cannot write; settings need settings:write', async () => {
  const account = uniqueAccount();
  const writer = client(
    stack.baseUrl,
    await stack.token(account, { permissions: ['invoices:read', 'invoices:write', 'crm:write'] }),
  );
  const reader = client(stack.baseUrl, await stack.token(account, { permissions: ['invoices:read'] }));
  const created = await writer('POST', '/invoices', {});
  expect(created.status).toBe(201);
  expect((await reader('GET', `/invoices/${created.body.id}`)).status).toBe(200);
  const denied = await reader('POST', '/invoices', {});
  expect(denied.status).toBe(403);
  expect(denied.body.detail).toContain('invoices:write');
  expect((await reader('PATCH', `/invoices/${created.body.id}`, { poNumber: 'x' })).status).toBe(403);
  expect((await writer('PUT', '/settings/invoices', { prefix: 'NOPE' })).status).toBe(403);
  expect((await reader('GET', '/contacts')).status).toBe(403);
  expect((await reader('GET', '/settings/invoices')).body.prefix).toBe('INV');
  const noAccount = await new SignJWT({ role: 'superAdmin' })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('u')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setExpirationTime('1h')
    .sign(stack.keys.privateKey);
  expect((await client(stack.baseUrl, noAccount)('GET', '/invoices')).status).toBe(401);
});
