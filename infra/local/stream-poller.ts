import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localClient } from './dynamodb-local.js';
import { passesFilters, type FilterPattern } from '../stream-filters.js';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export type PollerOptions = {
  endpoint: string;
  tableName: string;
  handler: StreamHandler;
  /**
   * The event source mapping's filter patterns (infra/stream-filters.ts): a record matching none is
   * dropped before the handler sees it, as in AWS. null hands the handler every record.
   */
  filters: readonly FilterPattern[] | null;
  /** Lambda's event source mapping settings, as the CDK stack sets them. */
  batchSize?: number;
  maxRetries?: number;
  pollIntervalMs?: number;
  /** Where a record goes after its retries (the SQS on-failure destination in AWS). */
  deadLetter: (record: DynamoDBRecord, error: string) => Promise<void>;
  log?: (line: Record<string, unknown>) => void;
};

type ShardState = { shardId: string; iterator: string | undefined; closed: boolean; lastSequence?: string };

/** The Streams API's record, in the shape Lambda hands a function (epoch seconds, the source ARN). */
function toLambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  return {
    ...(r as unknown as DynamoDBRecord),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(r.dynamodb as unknown as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(r.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
  } as DynamoDBRecord;
}

/**
 * Plays Lambda's DynamoDB event source mapping on one machine: reads the table's stream from
 * DynamoDB Local shard by shard, invokes the handler with batches of real records, honours
 * partial batch responses (retry from the first failed record; the ones before it are done) and,
 * when a record has failed `maxRetries` more times, hands it to the dead-letter destination and
 * moves on, so one poisoned record never blocks the rest.
 */
export function startStreamPoller(opts: PollerOptions) {
  const batchSize = opts.batchSize ?? 100;
  const maxRetries = opts.maxRetries ?? 2;
  const pollIntervalMs = opts.pollIntervalMs ?? 200;
  const log = opts.log ?? (() => undefined);
  const streams = new DynamoDBStreamsClient({
    endpoint: opts.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const shards = new Map<string, ShardState>();
  const attempts = new Map<string, number>();
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  let streamArn: string | undefined;

  async function refreshShards() {
    if (!streamArn) {
      const table = localClient(opts.endpoint);
      const d = await table.send(new DescribeTableCommand({ TableName: opts.tableName }));
      table.destroy();
      streamArn = d.Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
    }
    const desc = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of desc.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || shards.has(shard.ShardId)) continue;
      const it = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      shards.set(shard.ShardId, { shardId: shard.ShardId, iterator: it.ShardIterator, closed: false });
    }
  }

  /** Delivers records in batches; returns when all were handled or dead-lettered. */
  async function deliver(records: DynamoDBRecord[]) {
    let start = 0;
    while (start < records.length && !stopped) {
      const batch = records.slice(start, start + batchSize);
      let failedAt = -1;
      let error = 'handler failed';
      try {
        const res = await opts.handler({ Records: batch });
        const failed = res?.batchItemFailures?.[0]?.itemIdentifier;
        if (failed)
          failedAt = Math.max(
            0,
            batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed),
          );
      } catch (e) {
        failedAt = 0; // a thrown handler fails the whole batch, as in Lambda
        error = e instanceof Error ? e.message : String(e);
      }
      if (failedAt < 0) {
        start += batch.length;
        continue;
      }
      start += failedAt;
      const record = records[start]!;
      const seq = record.dynamodb!.SequenceNumber!;
      const tries = (attempts.get(seq) ?? 0) + 1;
      attempts.set(seq, tries);
      if (tries > maxRetries) {
        log({
          level: 'error',
          message: 'stream record sent to the dead-letter destination',
          sequenceNumber: seq,
          attempts: tries,
        });
        await opts.deadLetter(record, error);
        attempts.delete(seq);
        start += 1;
      } else {
        await new Promise((r) => setTimeout(r, 50 * tries));
      }
    }
  }

  async function pollOnce(): Promise<number> {
    await refreshShards();
    let seen = 0;
    for (const state of shards.values()) {
      if (state.closed || !state.iterator) continue;
      let out;
      try {
        out = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }));
      } catch (e) {
        // DynamoDB Local now and then refuses an iterator it handed out ("read past the oldest
        // stream record"), and would refuse it forever: take a new one after the last record
        // delivered (or from the start of the shard), as the event source mapping resumes.
        const name = (e as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw e;
        log({
          level: 'warn',
          message: 'stream iterator refused; resuming after the last record',
          shardId: state.shardId,
          error: name,
        });
        const it = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: state.shardId,
            ...(state.lastSequence
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.lastSequence }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        state.iterator = it.ShardIterator;
        continue;
      }
      state.iterator = out.NextShardIterator;
      if (!out.NextShardIterator) state.closed = true;
      const records = (out.Records ?? []).map((r) => toLambdaRecord(r, streamArn!));
      seen += records.length;
      if (records.length) {
        const filters = opts.filters;
        await deliver(filters ? records.filter((r) => passesFilters(filters, r)) : records);
        state.lastSequence = records.at(-1)!.dynamodb!.SequenceNumber;
      }
    }
    return seen;
  }

  const loop = (async () => {
    while (!stopped) {
      let seen = 0;
      try {
        seen = await pollOnce();
      } catch (e) {
        if (!stopped)
          log({ level: 'warn', message: 'stream poll failed', error: e instanceof Error ? e.message : String(e) });
      }
      if (seen === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((w) => w());
        await new Promise((r) => setTimeout(r, pollIntervalMs));
      }
    }
  })();

  return {
    /** Resolves once the poller has caught up with everything written before the call. */
    drain: () =>
      new Promise<void>((resolve) => {
        // Two idle polls: the first may have started before the caller's last write.
        idleWaiters.push(() => idleWaiters.push(resolve));
      }),
    stop: async () => {
      stopped = true;
      await loop;
      streams.destroy();
    },
  };
}
