import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoLocal, type DynamoLocal } from '../../infra/local/dynamodb-local.js';
import { freePort } from '../../infra/local/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

let dynamo: DynamoLocal | undefined;
let scratch: string | undefined;

/** One in-memory DynamoDB Local for the whole test run. */
export async function setup(project: TestProject) {
  // What the run leaves in the temporary folder (CDK's synthesis folders, which it never removes,
  // browser profiles, emulator files) goes into one folder of the run's own, removed at its end.
  // The test workers are started after this and inherit it.
  scratch = mkdtempSync(join(tmpdir(), 'invoice-tests-'));
  process.env.TMPDIR = scratch;
  dynamo = await startDynamoLocal({ port: await freePort() });
  project.provide('dynamodbEndpoint', dynamo.endpoint);
}

export async function teardown() {
  dynamo?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
