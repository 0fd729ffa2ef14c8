import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function account() {
  const api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  const contact = await api('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' });
  return { api, contactId: contact.body.id as string };
}

describe('numbering under concurrency', () => {
  test('100 concurrent creates in onCreate mode yield exactly INV-1001 … INV-1100', async () => {
    const { api } = await account();
    const results = await Promise.all(
      range(1, 100).map(() => api('POST', '/invoices', { lineItems: [{ name: 'Work', unitPrice: 1000 }] })),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const numbers = results.map((r) => r.body.number as string).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    expect(numbers).toEqual(range(1001, 1100).map((n) => `INV-${n}`));
  }, 120_000); // 100 transactions on one counter, on a DynamoDB Local the whole run shares (volume: bench:numbering)

  test('50 drafts finalized concurrently in onFinalize mode get contiguous numbers', async () => {
    const { api, contactId } = await account();
    expect(
      (await api('PUT', '/settings/invoices', { numbering: 'onFinalize', prefix: 'GL', startNumber: 500 })).status,
    ).toBe(200);
    const drafts = await Promise.all(
      range(1, 50).map(() =>
        api('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'Work', unitPrice: 1000 }] }),
      ),
    );
    expect(drafts.every((d) => d.status === 201 && d.body.number === null)).toBe(true);
    // A deleted draft leaves no gap: it never took a number.
    expect((await api('DELETE', `/invoices/${drafts[0]!.body.id}`)).status).toBe(204);
    const finals = await Promise.all(drafts.slice(1).map((d) => api('POST', `/invoices/${d.body.id}/finalize`)));
    expect(finals.map((f) => f.status)).toEqual(finals.map(() => 200));
    const numbers = finals.map((f) => Number((f.body.number as string).slice(3))).sort((a, b) => a - b);
    expect(numbers).toEqual(range(500, 548));
  });

  test('two racing finalizes: exactly one wins, the other gets 409 naming the status', async () => {
    const { api, contactId } = await account();
    for (let round = 0; round < 5; round++) {
      const draft = await api('POST', '/invoices', {
        contacts: [contactId],
        lineItems: [{ name: 'Work', unitPrice: 1000 }],
      });
      const [a, b] = await Promise.all([
        api('POST', `/invoices/${draft.body.id}/finalize`),
        api('POST', `/invoices/${draft.body.id}/finalize`),
      ]);
      expect([a!.status, b!.status].sort()).toEqual([200, 409]);
      const loser = a!.status === 409 ? a! : b!;
      expect(loser.headers.get('content-type')).toContain('application/problem+json');
      expect(loser.body.currentStatus).toBe('open');
    }
  });

  test('pay versus void: exactly one wins and the invoice shows the winner', async () => {
    const { api, contactId } = await account();
    for (let round = 0; round < 5; round++) {
      const draft = await api('POST', '/invoices', {
        contacts: [contactId],
        lineItems: [{ name: 'Work', unitPrice: 1000 }],
      });
      await api('POST', `/invoices/${draft.body.id}/finalize`);
      const [pay, voided] = await Promise.all([
        api('POST', `/invoices/${draft.body.id}/mark-paid`, {}),
        api('POST', `/invoices/${draft.body.id}/void`),
      ]);
      expect([pay!.status, voided!.status].sort()).toEqual([200, 409]);
      const final = await api('GET', `/invoices/${draft.body.id}`);
      expect(final.body.status).toBe(pay!.status === 200 ? 'paid' : 'voided');
      expect(final.body.version).toBe(3);
    }
  });

  test('concurrent creates with one Idempotency-Key create one invoice', async () => {
    const { api } = await account();
    const body = { poNumber: 'PO-IDEM', lineItems: [{ name: 'Work', unitPrice: 1000 }] };
    const results = await Promise.all(
      range(1, 10).map(() => api('POST', '/invoices', body, { 'idempotency-key': 'k-concurrent' })),
    );
    const created = results.filter((r) => r.status === 201);
    // The first claims the key; the others either see it in progress (409) or replay its response.
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const list = await api('GET', '/invoices?limit=100');
    expect(list.body.results.filter((i: { poNumber: string }) => i.poNumber === 'PO-IDEM')).toHaveLength(1);
  });
});
