import { once } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { captureLogs } from '../../support/capture-logs.js';
import { DYNAMODB_TIMEOUTS } from '../../../functions/dynamodb/client.js';
import { startDynamoLocal, type DynamoLocal } from '../../../infra/local/dynamodb-local.js';
import { freePort } from '../../../infra/local/free-port.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/*
 * DynamoDB hangs: its process frozen (SIGSTOP), so the kernel still accepts connections but
 * nothing answers, the failure the SDK's default of no timeouts never gives up on. This file runs
 * its own DynamoDB Local (the run's shared one must not be frozen) and gives the handlers the
 * request timeout they have in AWS (locally it is looser: functions/dynamodb/client.ts).
 */

let dynamo: DynamoLocal;
let stack: Stack;

beforeAll(async () => {
  process.env.DYNAMODB_REQUEST_TIMEOUT_MS = String(DYNAMODB_TIMEOUTS.aws.requestTimeoutMs);
  // The 503s are logged as warnings, which this test reads (the run is otherwise silent).
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  dynamo = await startDynamoLocal({ port: await freePort() });
  stack = await startStack({ dynamodbEndpoint: dynamo.endpoint });
});
afterAll(async () => {
  await stack?.close();
  if (dynamo && dynamo.process.exitCode === null && dynamo.process.signalCode === null) {
    const exited = once(dynamo.process, 'exit');
    dynamo.process.kill('SIGCONT');
    dynamo.stop();
    await exited;
  }
});

test('DynamoDB hung: 503 with Retry-After once the client timeouts pass, well before the Lambda timeout; fine again once it answers', async () => {
  const api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  expect((await api('POST', '/invoices', { lineItems: [{ name: 'Before', unitPrice: 100 }] })).status).toBe(201);
  const logs = captureLogs();
  dynamo.process.kill('SIGSTOP');
  try {
    const t0 = Date.now();
    const [read, write] = await Promise.all([
      api('GET', '/invoices'),
      api('POST', '/invoices', { lineItems: [{ name: 'Frozen', unitPrice: 100 }] }),
    ]);
    const ms = Date.now() - t0;
    for (const r of [read, write]) {
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    // It waited for a request timeout (nothing refused the connection) and gave up inside the API
    // functions' 10 s Lambda timeout, so the handler, not the platform, answered.
    expect(ms).toBeGreaterThanOrEqual(DYNAMODB_TIMEOUTS.aws.requestTimeoutMs);
    expect(ms).toBeLessThan(9_000);
  } finally {
    dynamo.process.kill('SIGCONT');
    logs.restore();
  }
  expect(
    logs.lines.some(
      (l) => l.includes('"message":"dependency unavailable"') && l.includes('"errorName":"TimeoutError"'),
    ),
  ).toBe(true);
  expect((await api('POST', '/invoices', { lineItems: [{ name: 'Thawed', unitPrice: 100 }] })).status).toBe(201);
});
