/**
 * What DynamoDB Local allows bench:webhooks at all: delivery records a second that one Node process
 * can read and write on this machine, beside the raw HTTP POST floor that bench measures, on a
 * table without a stream and on one with (each write to a table with a stream also makes a stream
 * record: an emulator cost, nothing in AWS). N delivery items (default 2,000; a 1.7 KB payload, as
 * the bench's) are:
 *   - put by BatchWriteItem of 25, 4 requests at once;
 *   - read by BatchGetItem of 100 keys, strongly consistent (what group commit sends), 4 at once;
 *   - appended to by the conditional UpdateItem an attempt makes today, 16 at once, and (a second
 *     attempt) by the same conditional updates 25 to a TransactWriteItems, 4 at once;
 *   - given one attempt item each (about 300 bytes) by PutItem, 16 at once, and by BatchWriteItem of 25, 4 at once;
 *   - read and given an attempt item together: BatchGetItem of 100 then BatchWriteItem of 4 × 25, 4 at once
 *     (the least DynamoDB work a delivery can cost: the ceiling of deliveries a second).
 * Env: BENCH_DELIVERIES (default 2000).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { rawPoster } from './support/raw-post.js';
import { runBench, type RunningDynamo } from './support/bench-runner.js';

const fmt = (x: number) => x.toFixed(0);
const chunk = <T>(xs: T[], n: number) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

async function pool(concurrency: number, jobs: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < jobs; i = next++) await job(i);
    }),
  );
}

async function perSecond(records: number, run: () => Promise<void>) {
  const t = performance.now();
  await run();
  return records / ((performance.now() - t) / 1000);
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const N = Number(process.env.BENCH_DELIVERIES ?? 2000);
  const payload = JSON.stringify({ id: 'evt', type: 'invoice.paid', data: { object: { note: 'x'.repeat(1500) } } });

  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/floor`;
  const post = rawPoster(url, payload);
  // Measured before each table's figures: the machine is shared, the floor moves with its load.
  const floor = async () =>
    Math.max(await perSecond(N, () => pool(16, N, post)), await perSecond(N, () => pool(64, N, post)));

  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const db = DynamoDBDocumentClient.from(localClient(dynamo.current.endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const now = new Date().toISOString();
  const rows: string[] = [];
  // The first round warms the JVM and Node's JIT and is not shown.
  for (const [round, stream] of [false, false, true, false, true].entries()) {
    const TableName = `ceiling_${round}_${stream ? 'stream' : 'nostream'}`;
    const floorPerS = await floor();
    await ensureTable(dynamo.current.endpoint, TableName, { stream });
    const pk = 'ACC#a#WEBHOOKS#whep_1#DELIVERIES';
    const keys = Array.from({ length: N }, (_, i) => ({ pk, sk: `DLV#${String(i).padStart(8, '0')}` }));
    const delivery = (k: { pk: string; sk: string }) => ({
      ...k,
      id: k.sk,
      accountId: 'a',
      endpointId: 'whep_1',
      eventId: 'evt',
      eventType: 'invoice.paid',
      payload,
      status: 'pending',
      mode: 'automatic',
      attempts: [],
      nextRetryAt: null,
      createdAt: now,
      updatedAt: now,
      entity: 'webhookDelivery',
      expiresAt: 2_000_000_000,
    });
    const attempt = (k: { pk: string; sk: string }, round: string) => ({
      pk: k.pk,
      sk: `${k.sk}#ATT#${round}#0001#msg-${round}`,
      attempt: 1,
      at: now,
      statusCode: 200,
      error: null,
      durationMs: 1,
      responseBody: 'ok',
      nextRetryAt: null,
      status: 'succeeded',
      entity: 'webhookAttempt',
      expiresAt: 2_000_000_000,
    });
    const batchWrite = async (items: Record<string, unknown>[]) => {
      let todo = items.map((Item) => ({ PutRequest: { Item } }));
      while (todo.length) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: todo } }));
        todo = (out.UnprocessedItems?.[TableName] as typeof todo | undefined) ?? [];
      }
    };
    const batchGet = async (ks: { pk: string; sk: string }[]) => {
      let todo = ks;
      let got = 0;
      while (todo.length) {
        const out = await db.send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: todo, ConsistentRead: true } } }),
        );
        got += out.Responses?.[TableName]?.length ?? 0;
        todo = (out.UnprocessedKeys?.[TableName]?.Keys as typeof todo | undefined) ?? [];
      }
      return got;
    };
    const writes25 = chunk(keys, 25);
    const reads100 = chunk(keys, 100);
    const put = await perSecond(N, () => pool(4, writes25.length, (i) => batchWrite(writes25[i]!.map(delivery))));
    let read = 0;
    const get = await perSecond(N, () =>
      pool(4, reads100.length, async (i) => {
        const n = await batchGet(reads100[i]!);
        read += n;
      }),
    );
    if (read !== N) throw new Error(`read ${read} of ${N}`);
    const update = await perSecond(N, () =>
      pool(16, N, async (i) => {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: keys[i],
            UpdateExpression:
              'SET attempts = list_append(attempts, :attempt), #status = :status, nextRetryAt = :next, updatedAt = :at',
            ConditionExpression: '#status = :pending AND size(attempts) = :count',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':attempt': [attempt(keys[i]!, 'u')],
              ':status': 'succeeded',
              ':next': null,
              ':at': now,
              ':pending': 'pending',
              ':count': 0,
            },
          }),
        );
      }),
    );
    // The same conditional appends grouped 25 to a TransactWriteItems (each item keeps its condition;
    // one that fails cancels its 24 neighbours, which a caller would send again): the one batch that keeps them.
    const appendTx = await perSecond(N, () =>
      pool(4, writes25.length, async (i) => {
        await db.send(
          new TransactWriteCommand({
            TransactItems: writes25[i]!.map((k) => ({
              Update: {
                TableName,
                Key: k,
                UpdateExpression:
                  'SET attempts = list_append(attempts, :attempt), #status = :status, nextRetryAt = :next, updatedAt = :at',
                ConditionExpression: '#status = :succeeded AND size(attempts) = :count',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':attempt': [attempt(k, 't')],
                  ':status': 'succeeded',
                  ':next': null,
                  ':at': now,
                  ':succeeded': 'succeeded',
                  ':count': 1,
                },
              },
            })),
          }),
        );
      }),
    );
    const putOne = await perSecond(N, () =>
      pool(16, N, async (i) => void (await db.send(new PutCommand({ TableName, Item: attempt(keys[i]!, 'p') })))),
    );
    const attempts25 = await perSecond(N, () =>
      pool(4, writes25.length, (i) => batchWrite(writes25[i]!.map((k) => attempt(k, 'b')))),
    );
    const both = await perSecond(N, () =>
      pool(4, reads100.length, async (i) => {
        await batchGet(reads100[i]!);
        await Promise.all(chunk(reads100[i]!, 25).map((c) => batchWrite(c.map((k) => attempt(k, 'c')))));
      }),
    );
    if (round === 0) continue;
    rows.push(
      `${stream ? 'with a stream   ' : 'without a stream'}  put×25 ${fmt(put).padStart(6)}  get×100 ${fmt(get).padStart(6)}  ` +
        `conditional append ${fmt(update).padStart(5)} (×25 in a transaction ${fmt(appendTx).padStart(5)})  attempt PutItem ${fmt(putOne).padStart(5)}  attempt put×25 ${fmt(attempts25).padStart(6)}  ` +
        `get×100 + attempt put×25 ${fmt(both).padStart(6)}  | raw POST floor ${fmt(floorPerS).padStart(6)}`,
    );
    console.log(rows.at(-1));
  }
  console.log(`
Records a second (${N}; one Node process; DynamoDB Local; the raw POST floor measured just before each row):
${rows.join('\n')}`);
  receiver.closeAllConnections();
  receiver.close();
  return true;
}

await runBench(main);
