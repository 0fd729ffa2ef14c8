import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROUTES_WITH_SCHEMAS as ROUTES } from '../../infra/route-schemas.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

test('the OpenAPI document is public and covers every route with the schemas the handlers use', async () => {
  const doc = await client(stack.baseUrl, null)('GET', '/openapi.json');
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toBe('3.1.0');
  for (const route of ROUTES) {
    const op = doc.body.paths[route.path]?.[route.method.toLowerCase()];
    expect(op, `${route.method} ${route.path}`).toBeDefined();
    expect(Boolean(op.requestBody)).toBe(Boolean(route.body) || route.input === 'binary');
  }
  // The logo is sent as the file itself, with its own media type.
  const logo = doc.body.paths['/settings/invoices/logo'].put.requestBody;
  expect(logo.required).toBe(true);
  expect(Object.keys(logo.content).sort()).toEqual(['image/jpeg', 'image/png']);
  expect(doc.body.paths['/settings/invoices/logo'].put.responses['200'].content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/Settings',
  });
  const create = doc.body.paths['/invoices'].post.requestBody.content['application/json'].schema;
  expect(create.additionalProperties).toBe(false);
  expect(create.properties.lineItems.maxItems).toBe(100);
  expect(create.properties.paymentTerms.enum).toContain('net30');
  expect(
    doc.body.paths['/settings/invoices'].put.requestBody.content['application/json'].schema.properties.prefix.maxLength,
  ).toBe(8);
});

test('a token-less request is 401', async () => {
  expect((await client(stack.baseUrl, null)('GET', '/invoices')).status).toBe(401);
  const api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  expect((await api('GET', '/invoices')).status).toBe(200);
});
