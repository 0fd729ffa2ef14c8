import { createServer, type AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startDynamoLocal, type DynamoLocal } from '../../infra/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let dynamo: DynamoLocal | undefined;

/** One in-memory DynamoDB Local for the whole test run. */
export async function setup(project: TestProject) {
  dynamo = await startDynamoLocal({ port: await freePort() });
  project.provide('dynamodbEndpoint', dynamo.endpoint);
}

export async function teardown() {
  dynamo?.stop();
}
