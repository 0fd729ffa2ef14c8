import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { redriveDeadLetters, type DeadLetter } from '../../../infra/local/dead-letter-redrive.js';
import { pdfServed, startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

let s: StreamStack;
beforeAll(async () => {
  s = await startStreamStack('s3-outage');
});
afterAll(() => s?.close());

const deadLetters = (): DeadLetter[] =>
  existsSync(s.deadLetters)
    ? readFileSync(s.deadLetters, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as DeadLetter)
    : [];

/** The invoice a dead-lettered record is about (its new image). */
const invoiceOf = (l: DeadLetter) => (l.record.dynamodb?.NewImage as { id?: { S?: string } } | undefined)?.id?.S;

const N = 4;

test('S3 down while finalizes are processed: the records are dead-lettered after their retries, the stream goes on, and a redrive once S3 is back renders every PDF and empties the file', async () => {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const res = await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      lineItems: [{ name: `Audit ${i}`, unitPrice: 50_000 + i }],
    });
    ids.push(res.body.id);
  }
  await until('the drafts to pass the stream', async () => s.eventsOf('invoice.created').length >= N);

  await s.stack.s3.stop();
  for (const id of ids) expect((await s.api('POST', `/invoices/${id}/finalize`)).status).toBe(200);
  await until('every finalize record in the dead-letter file', async () => deadLetters().length >= N);

  const letters = deadLetters();
  expect(letters.map(invoiceOf).sort()).toEqual([...ids].sort());
  // Each went there after the poller's retries (maxRetries 2: three failed attempts), not at once.
  expect(s.outcomes.filter((o) => o.failed).length).toBeGreaterThanOrEqual(3 * N);
  for (const id of ids) expect((await s.api('GET', `/invoices/${id}`)).body.pdf.status).toBe('pending');
  // One failing record holds nothing up: a draft created now passes the stream (no S3 needed).
  const later = (
    await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'Later', unitPrice: 100 }] })
  ).body.id;
  await until('the later draft to pass the stream', async () =>
    s.eventsOf('invoice.created').some((e) => e.invoiceId === later),
  );

  // A redrive while S3 is still down loses nothing: every record stays, with the new error.
  const early = await redriveDeadLetters(s.deadLetters, s.handler);
  expect(early).toMatchObject({ redriven: 0, stillFailing: N });
  expect(deadLetters().map(invoiceOf).sort()).toEqual([...ids].sort());
  expect(deadLetters().every((l) => typeof l.redriveError === 'string')).toBe(true);

  await s.stack.s3.restart();
  const result = await redriveDeadLetters(s.deadLetters, s.handler);
  expect(result).toMatchObject({ redriven: N, stillFailing: 0 });
  expect(deadLetters()).toEqual([]);
  for (const id of ids) expect(await pdfServed(s.api, id), `PDF of ${id}`).toBe(true);
  // The events the failed records owed went out with the redrive, once each.
  expect(
    s
      .eventsOf('invoice.finalized')
      .map((e) => e.invoiceId)
      .sort(),
  ).toEqual([...ids].sort());
});
