import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { inject, expect, test } from 'vitest';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { startStreamPoller } from '../../../infra/local/stream-poller.js';
import { SIDE_EFFECT_FILTERS } from '../../../infra/stream-filters.js';

const keyOf = (r: DynamoDBRecord) => r.dynamodb!.Keys!.pk!.S!;

test('partial batch failure: retried from the failed record, then dead-lettered; the rest of the batch is delivered once', async () => {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `poll_${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
  const items = ['a', 'b', 'poison', 'd', 'e'].map((k) => ({ PutRequest: { Item: { pk: k, sk: 'x' } } }));
  await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: items } }));

  const deliveries: string[][] = [];
  const done: string[] = [];
  const dead: string[] = [];
  const poller = startStreamPoller({
    filters: null,
    endpoint,
    tableName,
    maxRetries: 2,
    pollIntervalMs: 50,
    // A function that handles records in order and reports the first it cannot handle.
    handler: async (event) => {
      deliveries.push(event.Records.map(keyOf));
      for (const r of event.Records) {
        if (keyOf(r) === 'poison') return { batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber! }] };
        done.push(keyOf(r));
      }
      return { batchItemFailures: [] };
    },
    deadLetter: async (record) => {
      dead.push(keyOf(record));
    },
  });
  const deadline = Date.now() + 30_000;
  while (done.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await poller.drain();
  await poller.stop();
  await dropTable(endpoint, tableName);

  expect(deliveries[0]).toEqual(['a', 'b', 'poison', 'd', 'e']); // one batch of real stream records
  expect(deliveries.slice(1, 3)).toEqual([
    ['poison', 'd', 'e'],
    ['poison', 'd', 'e'],
  ]); // retried from the failure
  expect(dead).toEqual(['poison']);
  expect(done).toEqual(['a', 'b', 'd', 'e']); // each good record handled exactly once, in order
});

test("the event source mapping's filters: a record no pattern passes never reaches the handler, as in AWS", async () => {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `poll_${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
  const entities = ['invoice', 'counter', 'settings', 'paymentSettings', 'payment', 'publishedEvent'];
  await db.send(
    new BatchWriteCommand({
      RequestItems: {
        [tableName]: entities.map((entity) => ({ PutRequest: { Item: { pk: entity, sk: 'x', entity } } })),
      },
    }),
  );
  const handled: string[] = [];
  const poller = startStreamPoller({
    filters: SIDE_EFFECT_FILTERS,
    endpoint,
    tableName,
    pollIntervalMs: 50,
    handler: async (event) => {
      handled.push(...event.Records.map(keyOf));
    },
    deadLetter: async () => undefined,
  });
  await poller.drain();
  await poller.stop();
  await dropTable(endpoint, tableName);
  expect(handled.sort()).toEqual(['invoice', 'payment', 'settings']);
});
