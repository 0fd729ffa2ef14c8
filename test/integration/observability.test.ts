import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

// The test run silences logs and metrics (vitest.config.ts); this file turns them on before the
// handlers' first import (the local API server imports them at the first request), as Lambda
// reads its environment at a cold start, and captures what they write.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

let captured: string[] = [];
beforeAll(() => {
  // Powertools writes through its own Console on process.stdout / stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.push(String(chunk)), true));
  }
});
afterEach(() => {
  captured = [];
});
afterAll(() => vi.restoreAllMocks());

type Line = Record<string, any>;
const lines = (): Line[] =>
  captured
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
const requestLines = () => lines().filter((l) => l.message === 'request');
const emf = () => lines().filter((l) => l._aws);

let stack: Stack;
let api: ReturnType<typeof client>;
let accountId: string;
beforeAll(async () => {
  stack = await startStack();
  accountId = uniqueAccount('acc_obs');
  api = client(stack.baseUrl, await stack.token(accountId));
});
afterAll(() => stack?.close());

// Personal data and free text a buyer's invoice carries: none of it may reach the logs.
const PERSONAL = {
  firstName: 'Wilhelmina',
  lastName: 'Quackenbush-Obs',
  email: 'wilhelmina.quackenbush@example.org',
  line1: '742 Evergreen Terrace',
  city: 'Shelbyville-Obs',
  postalCode: '49007',
  comment: 'Gate code 4471, ring twice',
  company: 'Quackenbush Umbrellas',
  lineItem: 'Umbrella repair for Wilhelmina',
};
const address = {
  line1: PERSONAL.line1,
  city: PERSONAL.city,
  region: 'IL',
  postalCode: PERSONAL.postalCode,
  country: 'US',
};

test('request lines carry route, status and correlation id; no personal data reaches the logs', async () => {
  const contact = await api(
    'POST',
    '/contacts',
    { firstName: PERSONAL.firstName, lastName: PERSONAL.lastName, email: PERSONAL.email, address },
    { 'x-correlation-id': 'client-corr-0001', 'idempotency-key': 'obs-contact-1' },
  );
  expect(contact.status).toBe(201);
  expect(contact.headers.get('x-correlation-id')).toBe('client-corr-0001');
  const company = await api('POST', '/companies', { name: PERSONAL.company, domain: 'quackenbush.example', address });
  expect(company.status).toBe(201);
  const invoice = await api('POST', '/invoices', {
    contacts: [contact.body.id],
    company: company.body.id,
    billingAddress: address,
    comments: `<p>${PERSONAL.comment}</p>`,
    lineItems: [{ name: PERSONAL.lineItem, unitPrice: 12_500 }],
  });
  expect(invoice.status).toBe(201);
  // A correlation id that could carry personal data is not taken: the request id is used instead.
  const edited = await api(
    'PATCH',
    `/invoices/${invoice.body.id}`,
    { poNumber: 'PO-77' },
    { 'x-correlation-id': PERSONAL.email },
  );
  expect(edited.status).toBe(200);
  // A rejected body (its errors name fields, never values) is not logged either.
  const rejected = await api('POST', '/contacts', {
    firstName: PERSONAL.firstName,
    email: `not an email ${PERSONAL.email}`,
  });
  expect(rejected.status).toBe(422);
  const finalized = await api('POST', `/invoices/${invoice.body.id}/finalize`);
  expect(finalized.status).toBe(200);
  const read = await api('GET', `/contacts/${contact.body.id}`);
  expect(read.status).toBe(200);

  const text = captured.join('');
  for (const [what, value] of Object.entries(PERSONAL)) expect(text, `${what} in the logs`).not.toContain(value);
  expect(text).not.toContain('Gate code');

  const requests = requestLines();
  expect(requests.map((l) => [l.routeKey, l.status])).toEqual([
    ['POST /contacts', 201],
    ['POST /companies', 201],
    ['POST /invoices', 201],
    ['PATCH /invoices/{id}', 200],
    ['POST /contacts', 422],
    ['POST /invoices/{id}/finalize', 200],
    ['GET /contacts/{id}', 200],
  ]);
  for (const l of requests) {
    expect(l).toMatchObject({ level: 'INFO', service: 'invoice-service', accountId });
    expect(typeof l.method).toBe('string');
    expect(l.durationMs).toBeGreaterThanOrEqual(0);
    expect(l.requestId).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(requests[0]!.correlation_id).toBe('client-corr-0001');
  // Without a usable header the correlation id is API Gateway's request id, and the response says so.
  expect(requests[3]!.correlation_id).toBe(requests[3]!.requestId);
  expect(edited.headers.get('x-correlation-id')).toBe(requests[3]!.requestId);
  expect(finalized.headers.get('x-correlation-id')).toBe(requests[5]!.correlation_id);
});

test('an idempotent replay is logged as one, under its own correlation id', async () => {
  const body = { lineItems: [{ name: 'Replay me', unitPrice: 100 }] };
  const first = await api('POST', '/invoices', body, {
    'idempotency-key': 'obs-replay',
    'x-correlation-id': 'corr-first',
  });
  const replay = await api('POST', '/invoices', body, {
    'idempotency-key': 'obs-replay',
    'x-correlation-id': 'corr-retry',
  });
  expect(replay.body).toEqual(first.body);
  expect(replay.headers.get('x-correlation-id')).toBe('corr-retry');
  const [a, b] = requestLines();
  expect(a).toMatchObject({ correlation_id: 'corr-first', status: 201 });
  expect(a!.idempotentReplay).toBeUndefined();
  expect(b).toMatchObject({ correlation_id: 'corr-retry', status: 201, idempotentReplay: true });
});

test('metrics: InvoicesCreated after a create, InvoicesFinalized after a finalize, as EMF in the InvoiceService namespace', async () => {
  const created = await api('POST', '/invoices', {
    contacts: [(await api('POST', '/contacts', { firstName: 'M' })).body.id],
    lineItems: [{ name: 'M', unitPrice: 100 }],
  });
  const afterCreate = emf();
  const named = (blobs: Line[], name: string) =>
    blobs.filter((b) => b._aws.CloudWatchMetrics[0].Metrics.some((m: { Name: string }) => m.Name === name));
  expect(named(afterCreate, 'InvoicesCreated')).toHaveLength(1);
  expect(named(afterCreate, 'InvoicesCreated')[0]).toMatchObject({ InvoicesCreated: 1, service: 'invoice-service' });
  expect(named(afterCreate, 'InvoicesCreated')[0]!._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'InvoiceService',
    Dimensions: [['service']],
  });
  expect(named(afterCreate, 'InvoicesFinalized')).toHaveLength(0);

  captured = [];
  await api('POST', `/invoices/${created.body.id}/finalize`);
  expect(named(emf(), 'InvoicesFinalized')[0]).toMatchObject({ InvoicesFinalized: 1 });
  // A read counts nothing, and writes no empty metrics line either.
  captured = [];
  await api('GET', `/invoices/${created.body.id}`);
  expect(emf()).toEqual([]);
  expect(captured.join('')).not.toMatch(/No application metrics/);
});

test('an unknown error is logged at error level with its stack; the 500 body exposes nothing', async () => {
  const { toProblem } = await import('../../functions/http/problem.js');
  const { scopedLog } = await import('../../functions/observability/logger.js');
  const response = toProblem(
    new TypeError('cannot read x of undefined'),
    'req-500',
    scopedLog({ requestId: 'req-500', correlation_id: 'corr-500' }),
  );
  expect(response.statusCode).toBe(500);
  expect(response.body).not.toContain('cannot read');
  const [line] = lines();
  expect(line).toMatchObject({
    level: 'ERROR',
    message: 'unhandled error',
    requestId: 'req-500',
    correlation_id: 'corr-500',
  });
  expect(line!.error).toMatchObject({ name: 'TypeError', message: 'cannot read x of undefined' });
  expect(line!.error.stack).toContain('TypeError: cannot read x of undefined');
});
