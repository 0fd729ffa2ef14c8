import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { StreamHandler } from './stream-poller.js';

/** One line of the local dead-letter file (local-files.ts writes it). */
export type DeadLetter = {
  failedAt: string;
  error: string;
  record: DynamoDBRecord;
  redrivenAt?: string;
  redriveError?: string;
};

export type RedriveResult = {
  redriven: number;
  stillFailing: number;
  failures: { sequenceNumber: string | undefined; error: string }[];
};

/**
 * Reprocesses the local dead letters through the stream handler, one record at a time, in the
 * order they failed. A record that now succeeds is gone from the file; one that fails again stays,
 * with the new error. The stream handler is safe to run twice for a record (events are marked
 * once published, a PDF already rendered is reused, a stale record renders nothing), so replaying
 * a record that had partly succeeded is harmless.
 *
 * The running service may dead-letter more records meanwhile, so the file is first claimed by
 * renaming it (new dead letters start a new file), and what still fails is appended back at the
 * end. A claimed file left by a redrive that crashed is picked up by the next one.
 */
export async function redriveDeadLetters(
  file: string,
  handler: StreamHandler,
  log: (line: string) => void = () => undefined,
): Promise<RedriveResult> {
  const claimPrefix = `${basename(file)}.redriving-`;
  if (existsSync(file)) await rename(file, join(dirname(file), `${claimPrefix}${Date.now()}-${process.pid}`));
  const claimed = existsSync(dirname(file))
    ? (await readdir(dirname(file))).filter((f) => f.startsWith(claimPrefix)).sort()
    : [];

  const result: RedriveResult = { redriven: 0, stillFailing: 0, failures: [] };
  for (const name of claimed) {
    const path = join(dirname(file), name);
    const letters = (await readFile(path, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeadLetter);
    const kept: DeadLetter[] = [];
    for (const letter of letters) {
      const sequenceNumber = letter.record.dynamodb?.SequenceNumber;
      let error: string | undefined;
      try {
        const res = (await handler({ Records: [letter.record] })) as DynamoDBBatchResponse | void;
        if (res?.batchItemFailures?.length) error = 'the stream handler reported the record as failed';
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      if (error === undefined) {
        result.redriven++;
        log(`redriven ${sequenceNumber}`);
      } else {
        kept.push({ ...letter, redrivenAt: new Date().toISOString(), redriveError: error });
        result.failures.push({ sequenceNumber, error });
        log(`still failing ${sequenceNumber}: ${error}`);
      }
    }
    // Back into the dead-letter file before the claim goes: a crash in between repeats, never loses.
    if (kept.length) await appendFile(file, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await unlink(path);
    result.stillFailing += kept.length;
  }
  return result;
}
