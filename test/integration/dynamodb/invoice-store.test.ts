import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { testChange } from '../../support/audit-change.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import { blankDraft, type Invoice } from '../../../domain/invoices/invoice.js';
import { VersionConflict } from '../../../domain/ports.js';
import { DEFAULT_SETTINGS } from '../../../domain/settings/settings.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';

const tableName = `store_${randomUUID().slice(0, 8)}`;
const endpoint = inject('dynamodbEndpoint');
const newClient = () => documentClient({ tableName, endpoint, region: 'us-east-1' });

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

const draft = (accountId: string): Invoice =>
  blankDraft({
    id: `inv_${randomUUID().replace(/-/g, '')}`,
    accountId,
    owner: 'usr_1',
    slug: randomUUID().replace(/-/g, ''),
    settings: DEFAULT_SETTINGS,
    today: '2026-11-27',
    now: '2026-11-27T10:00:00Z',
  });

test('four processes racing for one counter hand out each number once, with no gap', async () => {
  // Separate store instances with their own clients stand for separate Lambda instances: the
  // in-process queue does not serialize them, so only DynamoDB's conditions keep the numbers apart.
  const stores = [1, 2, 3, 4].map(() => new DynamoInvoiceStore(newClient(), tableName));
  const accountId = `acc_${randomUUID().slice(0, 8)}`;
  const created = await Promise.all(
    stores.flatMap((s) =>
      Array.from({ length: 15 }, () => s.create(draft(accountId), testChange(), { prefix: 'INV', startNumber: 1001 })),
    ),
  );
  const numbers = created.map((i) => Number(i.number!.slice(4))).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => 1001 + i));
  const counter = await newClient().send(
    new GetCommand({ TableName: tableName, Key: keys.invoiceCounter(accountId, 'INV') }),
  );
  expect(counter.Item?.next).toBe(1061);
});

test('a number guard refuses a second invoice with the same number', async () => {
  const db = newClient();
  const accountId = `acc_${randomUUID().slice(0, 8)}`;
  const store = new DynamoInvoiceStore(db, tableName);
  const first = await store.create(draft(accountId), testChange(), { prefix: 'INV', startNumber: 1001 });
  const guard = { ...keys.invoiceNumber(accountId, first.number!), entity: 'invoiceNumber', invoiceId: 'inv_other' };
  await expect(
    db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: guard, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    ),
  ).rejects.toThrow(/ConditionalCheckFailed/);
});

test('replace is conditional on the version read', async () => {
  const store = new DynamoInvoiceStore(newClient(), tableName);
  const inv = await store.create(draft(`acc_${randomUUID().slice(0, 8)}`), testChange());
  const v2 = await store.replace(inv, { ...inv, version: 2, poNumber: 'A' }, testChange('edited'));
  await expect(store.replace(inv, { ...inv, version: 2, poNumber: 'B' }, testChange('edited'))).rejects.toBeInstanceOf(
    VersionConflict,
  );
  expect((await store.get(inv.accountId, inv.id))?.poNumber).toBe(v2.poNumber);
});

test('a slug is unique per domain', async () => {
  const store = new DynamoInvoiceStore(newClient(), tableName);
  const a = draft(`acc_${randomUUID().slice(0, 8)}`);
  await store.create({ ...a, slug: 'shared-slug' }, testChange());
  const b = draft(`acc_${randomUUID().slice(0, 8)}`);
  await expect(store.create({ ...b, slug: 'shared-slug' }, testChange())).rejects.toMatchObject({ code: 'conflict' });
  await expect(
    store.create({ ...b, slug: 'shared-slug', domain: 'billing.example.com' }, testChange()),
  ).resolves.toBeTruthy();
});
