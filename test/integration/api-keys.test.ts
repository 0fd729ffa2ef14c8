import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';
import { until } from '../support/until.js';

/**
 * API keys through the local runtime: the local API server runs the same authorizer as AWS (with
 * its per-header cache) in front of the real handlers, on DynamoDB Local.
 */
let stack: Stack;
let admin: ReturnType<typeof client>;
let other: ReturnType<typeof client>;
let db: DynamoDBDocumentClient;
const accountA = uniqueAccount('acc_keys');

beforeAll(async () => {
  stack = await startStack();
  admin = client(stack.baseUrl, await stack.token(accountA, { sub: 'usr_admin' }));
  other = client(stack.baseUrl, await stack.token(uniqueAccount('acc_other')));
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});
afterAll(() => stack.close());

const storedKey = async (id: string) =>
  (await db.send(new GetCommand({ TableName: stack.tableName, Key: { pk: `APIKEY#${id}`, sk: 'APIKEY' } }))).Item;

async function newKey(
  body: Record<string, unknown> = { name: 'billing bot', permissions: ['invoices:read', 'invoices:write'] },
) {
  const res = await admin('POST', '/api-keys', body);
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string; last4: string; permissions: string[]; lastUsedAt: string | null };
}

describe('creating and listing', () => {
  test('the key is shown once, stored only as a keyed hash, and listed by its last 4 characters', async () => {
    const created = await newKey();
    expect(created.key).toMatch(/^ik_test_[0-9A-Za-z]+_[0-9a-f]{64}$/);
    expect(created.last4).toBe(created.key.slice(-4));
    expect(created).toMatchObject({
      name: 'billing bot',
      permissions: ['invoices:read', 'invoices:write'],
      role: null,
    });
    expect(created).not.toHaveProperty('hash');

    const secret = created.key.split('_').at(-1)!;
    const item = (await storedKey(created.id))!;
    expect(item.accountId).toBe(accountA);
    expect(item.hash).toMatch(/^[0-9a-f]{64}$/);
    // Neither the key nor its secret is anywhere in the item; the hash is not a bare SHA-256 of it either.
    expect(JSON.stringify(item)).not.toContain(secret);
    const { createHash } = await import('node:crypto');
    expect(item.hash).not.toBe(createHash('sha256').update(secret).digest('hex'));

    const list = await admin('GET', '/api-keys');
    expect(list.status).toBe(200);
    const listed = list.body.results.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ id: created.id, last4: created.last4, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain('"hash"');
  });

  test('bad input is a 422 naming the field', async () => {
    for (const [body, path] of [
      [{ permissions: ['invoices:read'] }, 'name'],
      [{ name: 'x', permissions: ['invoices:fly'] }, 'permissions.0'],
      [{ name: 'x' }, 'permissions'],
      [{ name: 'x', permissions: ['crm:read'], role: 'superAdmin' }, 'permissions'],
      [{ name: 'x', permissions: ['crm:read'], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ] as const) {
      const res = await admin('POST', '/api-keys', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  test('a key cannot be made with more than its maker holds', async () => {
    const settingsOnly = await newKey({ name: 'admin bot', permissions: ['settings:write'] });
    const bot = client(stack.baseUrl, settingsOnly.key);
    expect((await bot('POST', '/api-keys', { name: 'wider', permissions: ['invoices:write'] })).status).toBe(403);
    expect((await bot('POST', '/api-keys', { name: 'root', role: 'superAdmin' })).status).toBe(403);
    expect((await bot('POST', '/api-keys', { name: 'same', permissions: ['settings:write'] })).status).toBe(201);
  });

  test("another account neither sees nor revokes the account's keys", async () => {
    const created = await newKey();
    expect((await other('GET', '/api-keys')).body.results).toEqual([]);
    expect((await other('DELETE', `/api-keys/${created.id}`)).status).toBe(404);
    expect((await storedKey(created.id))!.revokedAt).toBeUndefined();
    expect((await client(stack.baseUrl, created.key)('GET', '/invoices')).status).toBe(200);
  });

  test('managing keys needs settings:write', async () => {
    const reader = client(stack.baseUrl, await stack.token(accountA, { permissions: ['invoices:read'] }));
    expect((await reader('GET', '/api-keys')).status).toBe(403);
    expect((await reader('POST', '/api-keys', { name: 'x', permissions: ['invoices:read'] })).status).toBe(403);
  });
});

describe('using a key', () => {
  test("works wherever a JWT does, with the key's account and permissions; history names the key", async () => {
    const created = await newKey();
    const bot = client(stack.baseUrl, created.key);
    const invoice = await bot('POST', '/invoices', { lineItems: [{ name: 'Work', unitPrice: 1000 }] });
    expect(invoice.status).toBe(201);
    // The admin of the same account sees it: the key acts in its account.
    expect((await admin('GET', `/invoices/${invoice.body.id}`)).status).toBe(200);
    expect((await other('GET', `/invoices/${invoice.body.id}`)).status).toBe(404);
    // Outside its permissions: 403.
    expect((await bot('GET', '/contacts')).status).toBe(403);
    expect((await bot('GET', '/api-keys')).status).toBe(403);

    const edited = await bot('PATCH', `/invoices/${invoice.body.id}`, { poNumber: 'PO-7' });
    expect(edited.status).toBe(200);
    const history = await admin('GET', `/invoices/${invoice.body.id}/history`);
    expect(history.body.results.map((e: { actor: unknown }) => e.actor)).toEqual([
      { type: 'apiKey', id: created.id },
      { type: 'apiKey', id: created.id },
    ]);
  });

  test('lastUsedAt is set on use and not rewritten within the minute', async () => {
    const created = await newKey();
    expect(created.lastUsedAt).toBeNull();
    const bot = client(stack.baseUrl, created.key);
    expect((await bot('GET', '/invoices')).status).toBe(200);
    const first = (await storedKey(created.id))!.lastUsedAt as string;
    expect(Date.now() - Date.parse(first)).toBeLessThan(60_000);
    for (let i = 0; i < 3; i++) expect((await bot('GET', '/invoices')).status).toBe(200);
    expect((await storedKey(created.id))!.lastUsedAt).toBe(first);
    const listed = (await admin('GET', '/api-keys')).body.results.find((k: { id: string }) => k.id === created.id);
    expect(listed.lastUsedAt).toBe(first);
  });

  test('revocation takes effect on the next request, though the authorizer cached the key as valid', async () => {
    const created = await newKey();
    const bot = client(stack.baseUrl, created.key);
    expect((await bot('GET', '/invoices')).status).toBe(200);
    expect((await admin('DELETE', `/api-keys/${created.id}`)).status).toBe(204);
    const refused = await bot('GET', '/invoices');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await bot('POST', '/invoices', {})).status).toBe(401);
    // Revoking again changes nothing; the key stays listed as revoked.
    const revokedAt = (await storedKey(created.id))!.revokedAt as string;
    expect((await admin('DELETE', `/api-keys/${created.id}`)).status).toBe(204);
    expect((await storedKey(created.id))!.revokedAt).toBe(revokedAt);
    const listed = (await admin('GET', '/api-keys')).body.results.find((k: { id: string }) => k.id === created.id);
    expect(listed.revokedAt).toBe(revokedAt);
  });

  test('an expired key is refused', async () => {
    const created = await newKey({
      name: 'short-lived',
      permissions: ['invoices:read'],
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    const bot = client(stack.baseUrl, created.key);
    expect((await bot('GET', '/invoices')).status).toBe(200);
    await until('the key to expire', async () => (await bot('GET', '/invoices')).status === 401, 10_000);
  });

  test('unknown, tampered, malformed and live-mode keys are 401', async () => {
    const created = await newKey();
    const flip = (c: string) => (c === '0' ? '1' : '0');
    const tampered = created.key.slice(0, -1) + flip(created.key.slice(-1));
    const live = created.key.replace(/^ik_test_/, 'ik_live_');
    const unknownId = created.key.replace(
      /^(ik_test_)([0-9A-Za-z])/,
      (_, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'),
    );
    for (const token of [tampered, live, unknownId, 'ik_test_', 'ik_test_abc_def']) {
      expect((await client(stack.baseUrl, token)('GET', '/invoices')).status, token).toBe(401);
    }
  });

  test('API keys of an account are listed from an index, newest first', async () => {
    const out = await db.send(
      new QueryCommand({
        TableName: stack.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :c',
        ExpressionAttributeValues: { ':c': `ACC#${accountA}#APIKEYS` },
        ScanIndexForward: false,
      }),
    );
    const listed = (await admin('GET', '/api-keys?limit=100')).body.results.map((k: { id: string }) => k.id);
    expect(listed).toEqual(out.Items!.map((i) => i.id));
    expect(listed.length).toBeGreaterThan(3);
  });
});
