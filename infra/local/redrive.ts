/**
 * `npm run redrive`: reprocesses the stream records in the local dead-letter file
 * (DATA_DIR/dead-letters.jsonl) through the stream handler, against the running local service's
 * DynamoDB Local and S3 emulator (the same ports and DATA_DIR as `npm start`; see local-config.ts),
 * and removes each one that now succeeds. Run it once whatever made them fail (S3 down, a bug
 * since fixed) is back. In AWS the dead letters are pointers into the stream: see the README.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STREAM_FUNCTION_ENTRY } from '../routes.js';
import { redriveDeadLetters } from './dead-letter-redrive.js';
import { runningServiceProblem } from './dynamodb-local.js';
import { localConfig } from './local-config.js';
import { localFiles } from './local-files.js';
import { LOCAL_PDF_BUCKET } from './s3-emulator.js';
import type { StreamHandler } from './stream-poller.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function main(): Promise<number> {
  const config = localConfig();
  const endpoint = `http://127.0.0.1:${config.DYNAMODB_PORT}`;
  const files = localFiles(config.DATA_DIR);

  const problem = await runningServiceProblem(endpoint, config.TABLE_NAME);
  if (problem) {
    console.error(problem);
    return 1;
  }

  // The handler reads these once, at its cold start, exactly as in Lambda (and as start.ts sets them).
  Object.assign(process.env, {
    TABLE_NAME: config.TABLE_NAME,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`,
    BUCKET_NAME: LOCAL_PDF_BUCKET,
    S3_ENDPOINT: `http://127.0.0.1:${config.S3_PORT}`,
    EVENTS_LOG: files.eventsLog,
    OUTBOX_DIR: files.outbox,
  });
  const { handler } = (await import(pathToFileURL(resolve(ROOT, STREAM_FUNCTION_ENTRY)).href)) as {
    handler: StreamHandler;
  };
  const result = await redriveDeadLetters(files.deadLetters, handler, (line) => console.log(line));
  console.log(
    `Redrive of ${files.deadLetters}: ${result.redriven} record(s) reprocessed and removed, ${result.stillFailing} still failing (kept in the file).`,
  );
  return result.stillFailing ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
