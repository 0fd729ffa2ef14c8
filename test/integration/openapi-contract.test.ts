import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openApiDocument } from '../../functions/http/openapi.js';
import { checkContract } from '../support/contract.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

test('the served document passes redocly lint (recommended rules) with no error and no warning', async () => {
  const doc = await client(stack.baseUrl, null)('GET', '/openapi.json');
  // The contract check (contract.ts) builds its copy in-process: it is the very document served.
  expect(doc.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(stack.baseUrl))));
  const dir = mkdtempSync(join(ROOT, 'test-output', 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc.body));
    // One documented exception: the buyer's checkout is a form post whose only success is the 303
    // to the processor's page (API.md fixes it), so it has no 2XX response to declare.
    const config = join(dir, 'redocly.yaml');
    writeFileSync(config, 'extends:\n  - recommended\n');
    writeFileSync(
      join(dir, '.redocly.lint-ignore.yaml'),
      "openapi.json:\n  operation-2xx-response:\n    - '#/paths/~1i~1{slug}~1checkout/post/responses'\n",
    );
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/redocly'),
      ['lint', file, `--config=${config}`, '--format=json'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number; ignored: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0, ignored: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a response the document does not allow fails the call, naming the route, status and field', async () => {
  const api = client(stack.baseUrl, await stack.token(uniqueAccount('acc_contract')));
  const invoice = (await api('POST', '/invoices', { metadata: { a: 'b' } })).body;
  // The real response passes (client() has already checked it); tampered copies do not.
  await expect(
    checkContract(stack.baseUrl, 'GET', `/invoices/${invoice.id}`, 200, 'application/json', invoice),
  ).resolves.toBeUndefined();
  await expect(
    checkContract(stack.baseUrl, 'GET', `/invoices/${invoice.id}`, 200, 'application/json', {
      ...invoice,
      totals: { ...invoice.totals, total: '12.00' },
    }),
  ).rejects.toThrow(/GET \/invoices\/\{id\} answered 200 .*\/totals\/total must be integer/);
  await expect(
    checkContract(stack.baseUrl, 'GET', `/invoices/${invoice.id}`, 200, 'application/json', {
      ...invoice,
      secretField: 1,
    }),
  ).rejects.toThrow(/must NOT have additional properties: secretField/);
  await expect(
    checkContract(stack.baseUrl, 'POST', '/invoices', 422, 'application/problem+json', { title: 'no type' }),
  ).rejects.toThrow(/POST \/invoices answered 422/);
});
