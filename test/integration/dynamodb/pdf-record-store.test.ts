import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { DynamoPdfRecordStore } from '../../../functions/dynamodb/pdf-record-store.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';

const tableName = `pdfrec_${randomUUID().slice(0, 8)}`;
const endpoint = inject('dynamodbEndpoint');
const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
const store = new DynamoPdfRecordStore(db, tableName);
const record = (version: number, status: 'open' | 'paid' | 'voided') => ({
  key: `pdfs/acc_1/inv_1/v${version}-${status}.pdf`,
  sha256: `${version}`.repeat(64).slice(0, 64),
  status,
  version,
});

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

test('no record before the first PDF; the record as put afterwards, beside its invoice', async () => {
  const inv = `inv_${randomUUID().slice(0, 8)}`;
  expect(await store.get('acc_1', inv)).toBeNull();
  await store.put('acc_1', inv, record(2, 'open'));
  expect(await store.get('acc_1', inv)).toEqual(record(2, 'open'));
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.invoicePdf('acc_1', inv) }));
  expect(Item).toMatchObject({ pk: keys.invoice('acc_1', inv).pk, sk: 'PDF', entity: 'invoicePdf' });
});

test('only ever moves to a higher version: a late or replayed put changes nothing and does not fail', async () => {
  const inv = `inv_${randomUUID().slice(0, 8)}`;
  await store.put('acc_1', inv, record(3, 'paid'));
  await store.put('acc_1', inv, record(2, 'open')); // late
  await store.put('acc_1', inv, { ...record(3, 'paid'), sha256: 'f'.repeat(64) }); // replay of the same version
  expect(await store.get('acc_1', inv)).toEqual(record(3, 'paid'));
  await store.put('acc_1', inv, record(4, 'voided'));
  expect(await store.get('acc_1', inv)).toEqual(record(4, 'voided'));
});

test('accounts are apart: the same invoice id in another account has no record', async () => {
  const inv = `inv_${randomUUID().slice(0, 8)}`;
  await store.put('acc_1', inv, record(2, 'open'));
  expect(await store.get('acc_2', inv)).toBeNull();
});
