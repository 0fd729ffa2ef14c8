import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/**
 * Association labels over real HTTP on the local stack (DynamoDB Local, the real handlers): CRUD,
 * labels on an invoice's associations, search by label from the label's link items, 409 on
 * deleting a label in use, the 50-label limit under concurrent creates, and tenant isolation.
 */
let stack: Stack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
});
afterAll(() => stack?.close());

const must = async (method: string, path: string, body?: unknown) => {
  const res = await api(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};
const searchByLabel = async (call: typeof api, filter: Record<string, unknown>) =>
  (
    await call('POST', '/invoices/search', {
      filterGroups: [{ filters: [{ propertyName: 'associationLabel', ...filter }] }],
      limit: 100,
    })
  ).body.results.map((i: { id: string }) => i.id);

describe('association labels', () => {
  test('create, list, label associations, search by label, 409 while in use, then delete', async () => {
    const billing = await must('POST', '/association-labels', { objectType: 'contact', label: 'Billing contact' });
    const decider = await must('POST', '/association-labels', { objectType: 'contact', label: 'Decision maker' });
    const parent = await must('POST', '/association-labels', { objectType: 'company', label: 'Parent company' });
    expect(billing).toMatchObject({ objectType: 'contact', label: 'Billing contact' });
    expect(billing.id).toMatch(/^alb_/);
    expect(billing.accountId).toBeUndefined();
    const listed = await must('GET', '/association-labels');
    expect(listed.results.map((l: { id: string }) => l.id).sort()).toEqual([billing.id, decider.id, parent.id].sort());

    const ada = await must('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' });
    const bob = await must('POST', '/contacts', { firstName: 'Bob' });
    const acme = await must('POST', '/companies', { name: 'Acme' });
    const a = await must('POST', '/invoices', { lineItems: [{ name: 'A', unitPrice: 100 }] });
    const b = await must('POST', '/invoices', { lineItems: [{ name: 'B', unitPrice: 100 }] });
    const plain = await must('POST', '/invoices', { contacts: [ada.id], lineItems: [{ name: 'C', unitPrice: 100 }] });

    const labeled = await must('PUT', `/invoices/${a.id}/associations/contacts/${ada.id}`, {
      labels: [billing.id, decider.id],
    });
    expect(labeled.contacts).toEqual([ada.id]);
    expect(labeled.associationLabels).toEqual({
      [ada.id]: [
        { id: billing.id, label: 'Billing contact' },
        { id: decider.id, label: 'Decision maker' },
      ],
    });
    await must('PUT', `/invoices/${a.id}/associations/companies/${acme.id}`, { labels: [parent.id] });
    await must('PUT', `/invoices/${b.id}/associations/contacts/${bob.id}`, { labels: [decider.id] });
    // Without a body an association carries no labels, as before labels existed.
    expect((await must('PUT', `/invoices/${b.id}/associations/companies/${acme.id}`)).associationLabels).toEqual({
      [bob.id]: [{ id: decider.id, label: 'Decision maker' }],
    });

    // A company label on a contact, an unknown label: 422 naming it.
    const wrongKind = await api('PUT', `/invoices/${b.id}/associations/contacts/${bob.id}`, { labels: [parent.id] });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.errors[0].path).toBe('labels.0');
    const unknown = await api('PUT', `/invoices/${b.id}/associations/contacts/${bob.id}`, {
      labels: ['alb_01NOPE'],
    });
    expect(unknown.status).toBe(422);

    expect((await searchByLabel(api, { operator: 'EQ', value: billing.id })).sort()).toEqual([a.id]);
    expect((await searchByLabel(api, { operator: 'EQ', value: decider.id })).sort()).toEqual([a.id, b.id].sort());
    expect((await searchByLabel(api, { operator: 'IN', values: [billing.id, parent.id] })).sort()).toEqual([a.id]);
    expect(await searchByLabel(api, { operator: 'EQ', value: 'alb_none' })).toEqual([]);
    expect(await searchByLabel(api, { operator: 'EQ', value: billing.id })).not.toContain(plain.id);

    // In use: 409. Once no invoice names it (its labels changed, the contact detached), it goes.
    const inUse = await api('DELETE', `/association-labels/${billing.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.headers.get('content-type')).toBe('application/problem+json');
    const relabeled = await must('PUT', `/invoices/${a.id}/associations/contacts/${ada.id}`, {
      labels: [decider.id],
    });
    expect(relabeled.associationLabels[ada.id]).toEqual([{ id: decider.id, label: 'Decision maker' }]);
    expect((await api('DELETE', `/association-labels/${billing.id}`)).status).toBe(204);
    expect((await api('DELETE', `/association-labels/${billing.id}`)).status).toBe(404);
    expect(await searchByLabel(api, { operator: 'EQ', value: billing.id })).toEqual([]);

    await must('DELETE', `/invoices/${b.id}/associations/contacts/${bob.id}`);
    expect((await searchByLabel(api, { operator: 'EQ', value: decider.id })).sort()).toEqual([a.id]);
    expect((await must('GET', `/invoices/${b.id}`)).associationLabels).toEqual({});

    // The label is a fixed part of an issued invoice: finalizing keeps it, and it stays in use.
    await must('POST', `/invoices/${a.id}/finalize`);
    expect((await api('DELETE', `/association-labels/${decider.id}`)).status).toBe(409);
  });

  test('bad input is 422 naming the field', async () => {
    for (const [body, path] of [
      [{ objectType: 'deal', label: 'X' }, 'objectType'],
      [{ objectType: 'contact', label: '   ' }, 'label'],
      [{ objectType: 'contact', label: 'x'.repeat(101) }, 'label'],
      [{ objectType: 'contact' }, 'label'],
    ] as const) {
      const res = await api('POST', '/association-labels', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  test('at most 50 per account, even when created at once', async () => {
    const own = client(stack.baseUrl, await stack.token(uniqueAccount()));
    for (let i = 0; i < 45; i++)
      expect((await own('POST', '/association-labels', { objectType: 'contact', label: `L${i}` })).status).toBe(201);
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        own('POST', '/association-labels', { objectType: 'company', label: `R${i}` }),
      ),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(5);
    expect(racing.filter((r) => r.status === 422)).toHaveLength(5);
    const all = [...(await own('GET', '/association-labels?limit=100')).body.results] as { id: string }[];
    expect(all).toHaveLength(50);
    // Deleting one makes room for one.
    expect((await own('DELETE', `/association-labels/${all[0]!.id}`)).status).toBe(204);
    expect((await own('POST', '/association-labels', { objectType: 'contact', label: 'Again' })).status).toBe(201);
    expect((await own('POST', '/association-labels', { objectType: 'contact', label: 'Over' })).status).toBe(422);
  });

  test("another account's labels are not found, and cannot be put on an association", async () => {
    const label = await must('POST', '/association-labels', { objectType: 'contact', label: 'Mine' });
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await other('DELETE', `/association-labels/${label.id}`)).status).toBe(404);
    expect((await other('GET', '/association-labels')).body.results).toEqual([]);
    const contact = (await other('POST', '/contacts', { firstName: 'Eve' })).body;
    const inv = (await other('POST', '/invoices', { lineItems: [{ name: 'x', unitPrice: 1 }] })).body;
    const res = await other('PUT', `/invoices/${inv.id}/associations/contacts/${contact.id}`, { labels: [label.id] });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain('Mine');
  });
});

describe('deleting at once', () => {
  test('two deletes of one label: one 204, one 404, and the count goes down once', async () => {
    const own = client(stack.baseUrl, await stack.token(uniqueAccount()));
    for (let i = 0; i < 49; i++) await own('POST', '/association-labels', { objectType: 'contact', label: `L${i}` });
    const last = (await own('POST', '/association-labels', { objectType: 'contact', label: 'Last' })).body;
    const both = await Promise.all([1, 2].map(() => own('DELETE', `/association-labels/${last.id}`)));
    expect(both.map((r) => r.status).sort()).toEqual([204, 404]);
    // Down by exactly one: one place free, not two.
    expect((await own('POST', '/association-labels', { objectType: 'contact', label: 'A' })).status).toBe(201);
    expect((await own('POST', '/association-labels', { objectType: 'contact', label: 'B' })).status).toBe(422);
  });
});
