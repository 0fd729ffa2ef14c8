import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Permission } from '../../../domain/auth/actor.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

// Stripe's promises around Idempotency-Key, bodies where none is taken, and the settings reader.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const as = async (accountId: string, sub = 'usr_test', permissions?: Permission[]) =>
  client(stack.baseUrl, await stack.token(accountId, { sub, ...(permissions ? { permissions } : {}) }));

test('a request refused by validation stores nothing under its key: the corrected retry with the same key creates', async () => {
  const api = await as(uniqueAccount());
  const key = { 'idempotency-key': 'create-once' };
  const refused = await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: -1 }] }, key);
  expect(refused.status).toBe(422);
  const malformed = await api('POST', '/invoices', '{"lineItems": [', key);
  expect(malformed.status).toBe(400);
  const created = await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] }, key);
  expect(created.status).toBe(201);
  const replay = await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] }, key);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body.id).toBe(created.body.id);
  expect((await api('GET', '/invoices')).body.results).toHaveLength(1);
});

test('a 409 (the object is not in a state for it) stores nothing: the same key works once the state allows it', async () => {
  const api = await as(uniqueAccount());
  const draft = (await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] })).body;
  const key = { 'idempotency-key': 'void-it' };
  // A draft cannot be voided: 409, forgotten.
  expect((await api('POST', `/invoices/${draft.id}/void`, undefined, key)).status).toBe(409);
  const contact = (await api('POST', '/contacts', { firstName: 'A', email: 'a@example.com' })).body;
  await api('PUT', `/invoices/${draft.id}/associations/contacts/${contact.id}`);
  expect((await api('POST', `/invoices/${draft.id}/finalize`)).status).toBe(200);
  const voided = await api('POST', `/invoices/${draft.id}/void`, undefined, key);
  expect(voided.status).toBe(200);
  expect(voided.headers.get('idempotent-replayed')).toBeNull();
  expect(voided.body.status).toBe('voided');
});

test('keys are per user: two users of one account using the same key each create', async () => {
  const account = uniqueAccount();
  const [ada, bob] = [await as(account, 'usr_ada'), await as(account, 'usr_bob')];
  const body = { lineItems: [{ name: 'A', unitPrice: 100 }] };
  const key = { 'idempotency-key': 'same-key' };
  const a = await ada('POST', '/invoices', body, key);
  const b = await bob('POST', '/invoices', body, key);
  expect([a.status, b.status]).toEqual([201, 201]);
  expect(a.body.id).not.toBe(b.body.id);
  expect((await ada('POST', '/invoices', body, key)).body.id).toBe(a.body.id);
});

test('DELETE routes and association PUTs refuse a body (422 naming the field) instead of ignoring it', async () => {
  const api = await as(uniqueAccount());
  const contact = (await api('POST', '/contacts', { firstName: 'A', email: 'a@example.com' })).body;
  const draft = (await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] })).body;
  const put = await api('PUT', `/invoices/${draft.id}/associations/contacts/${contact.id}`, { primary: true });
  expect(put.status).toBe(422);
  expect(put.body.errors[0].path).toBe('primary');
  expect((await api('GET', `/invoices/${draft.id}`)).body.contacts).toEqual([]);
  const del = await api('DELETE', `/contacts/${contact.id}`, { force: true });
  expect(del.status).toBe(422);
  expect(del.body.errors[0].path).toBe('force');
  expect((await api('GET', `/contacts/${contact.id}`)).status).toBe(200);
  expect((await api('DELETE', `/invoices/${draft.id}`, [1])).status).toBe(422);
  // No body, or an empty object, is what they take.
  expect((await api('PUT', `/invoices/${draft.id}/associations/contacts/${contact.id}`)).status).toBe(200);
  expect((await api('DELETE', `/invoices/${draft.id}`, {})).status).toBe(204);
  expect((await api('DELETE', `/contacts/${contact.id}`)).status).toBe(204);
});

test('GET /settings/invoices is readable with settings:write alone (and still with invoices:read)', async () => {
  const account = uniqueAccount();
  const writer = await as(account, 'usr_w', ['settings:write']);
  const reader = await as(account, 'usr_r', ['invoices:read']);
  const neither = await as(account, 'usr_n', ['crm:read']);
  expect((await writer('GET', '/settings/invoices')).status).toBe(200);
  expect((await reader('GET', '/settings/invoices')).status).toBe(200);
  const refused = await neither('GET', '/settings/invoices');
  expect(refused.status).toBe(403);
  expect(refused.body.detail).toMatch(/invoices:read or settings:write/);
});
