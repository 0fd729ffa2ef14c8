import { randomUUID } from 'node:crypto';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import { DomainError } from '../../../domain/errors.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { dynamoDbClient } from '../../../functions/dynamodb/client.js';
import { idempotencyRecords } from '../../../functions/dynamodb/idempotency-records.js';
import { idempotent } from '../../../functions/http/idempotency.js';
import type { HttpEvent, HttpResponse } from '../../../functions/http/http-types.js';
import { scopedLog } from '../../../functions/observability/logger.js';

// The Powertools-backed Idempotency-Key handling on DynamoDB Local, below the HTTP shell: the
// paths the API tests cannot provoke (a 5xx, a duplicate while the first is running).
const endpoint = inject('dynamodbEndpoint');
const tableName = `t_${randomUUID().slice(0, 8)}`;
const client = dynamoDbClient({ tableName, endpoint, region: 'us-east-1' });
const records = idempotencyRecords(client, tableName);
const log = scopedLog({ test: 'idempotency' });
beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

const event = (body: string, routeKey = 'POST /invoices', rawPath = '/invoices') =>
  ({ routeKey, rawPath, body }) as unknown as HttpEvent;
const created = (n: number): HttpResponse => ({
  statusCode: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ n }),
});
// Lambda's context tells Powertools when an in-progress record may be taken over (the invocation's deadline).
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const call = (accountId: string, key: string, e: HttpEvent, answer: () => Promise<HttpResponse>) =>
  idempotent(records, { accountId, userId: 'usr_test', key, event: e, context, log }, answer);
const domainCode = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
  );

test('a retry replays the first response, marked, without running again; another request with the key is 422', async () => {
  let runs = 0;
  const answer = async () => created(++runs);
  const first = await call('acc_a', 'k1', event('{"a":1}'), answer);
  const retry = await call('acc_a', 'k1', event('{"a":1}'), answer);
  expect(first).toEqual(created(1));
  expect(retry).toEqual({ ...created(1), headers: { ...created(1).headers, 'idempotent-replayed': 'true' } });
  expect(runs).toBe(1);
  expect(await domainCode(call('acc_a', 'k1', event('{"a":2}'), answer))).toBe('validation');
  // Same body on another route is another request too.
  expect(await domainCode(call('acc_a', 'k1', event('{"a":1}', 'POST /contacts', '/contacts'), answer))).toBe(
    'validation',
  );
  // Keys belong to an account.
  expect(await call('acc_b', 'k1', event('{"a":1}'), answer)).toEqual(created(2));
});

test('a 5xx is not remembered: the retry runs again', async () => {
  let runs = 0;
  const answer = async (): Promise<HttpResponse> =>
    ++runs === 1 ? { statusCode: 503, headers: {}, body: 'later' } : created(runs);
  expect((await call('acc_a', 'k5xx', event('{}'), answer)).statusCode).toBe(503);
  expect(await call('acc_a', 'k5xx', event('{}'), answer)).toEqual(created(2));
  expect(runs).toBe(2);
});

test('a duplicate while the first is running is 409; afterwards it replays', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let runs = 0;
  const slow = async () => {
    runs++;
    started();
    await gate;
    return created(runs);
  };
  const first = call('acc_a', 'kslow', event('{}'), slow);
  // The answer runs only once the key is claimed as in progress.
  await running;
  expect(await domainCode(call('acc_a', 'kslow', event('{}'), slow))).toBe('conflict');
  release();
  expect((await first).statusCode).toBe(201);
  expect((await call('acc_a', 'kslow', event('{}'), slow)).headers['idempotent-replayed']).toBe('true');
  expect(runs).toBe(1);
});

test('keys must be 1 to 255 visible ASCII characters', async () => {
  for (const bad of ['', 'has space', 'x'.repeat(256), 'ünï']) {
    expect(await domainCode(call('acc_a', bad, event('{}'), async () => created(0)))).toBe('malformed');
  }
});

test("records live in the account's own partition per key, expire with the table's TTL in 24 hours", async () => {
  await call('acc_layout', 'key-layout', event('{}'), async () => created(1));
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'ACC#acc_layout#IDEM#key-layout' } },
    }),
  );
  expect(Items).toHaveLength(1);
  const item = unmarshall(Items[0]!);
  expect(item.sk).toMatch(/^http#/);
  expect(item.status).toBe('COMPLETED');
  expect(item.expiresAt).toBeGreaterThan(Date.now() / 1000 + 24 * 3600 - 60);
  expect(item.expiresAt).toBeLessThan(Date.now() / 1000 + 24 * 3600 + 60);
  const again = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: item.pk }, sk: { S: item.sk } } }),
  );
  expect(again.Item).toBeDefined();
});

test('a refusal that changed nothing (400, 409, 412, 422) stores nothing: a corrected retry under the same key runs', async () => {
  for (const refused of [400, 409, 412, 422]) {
    let runs = 0;
    const key = `krefused-${refused}`;
    const first = await call('acc_a', key, event('{"bad":true}'), async () => {
      runs++;
      return { statusCode: refused, headers: {}, body: 'no' };
    });
    expect(first.statusCode).toBe(refused);
    // Another body under the same key is not "another request with this key": the refusal was forgotten.
    const corrected = await call('acc_a', key, event('{"good":true}'), async () => created(++runs));
    expect(corrected).toEqual(created(2));
    // And that one is remembered.
    const retry = await call('acc_a', key, event('{"good":true}'), async () => created(++runs));
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(runs).toBe(2);
  }
});

test('keys belong to an account and a user: two users of one account may use the same key', async () => {
  let runs = 0;
  const answer = async () => created(++runs);
  const as = (userId: string) =>
    idempotent(records, { accountId: 'acc_users', userId, key: 'shared', event: event('{}'), context, log }, answer);
  expect(await as('usr_1')).toEqual(created(1));
  expect(await as('usr_2')).toEqual(created(2));
  expect((await as('usr_1')).headers['idempotent-replayed']).toBe('true');
  expect(runs).toBe(2);
});
