import { afterAll, beforeAll, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

test('a token-less request is 401 and the OpenAPI document is public', async () => {
  const anon = client(stack.baseUrl, null);
  expect((await anon('GET', '/invoices')).status).toBe(401);
  const doc = await anon('GET', '/openapi.json');
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toBe('3.1.0');
});

test('create a draft', async () => {
  const api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  const res = await api('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] });
  expect(res.status).toBe(201);
  expect(res.body.number).toBe('INV-1001');
});
