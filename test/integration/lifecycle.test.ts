import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
let api: ReturnType<typeof client>;
let contactId: string;
let companyId: string;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
  companyId = (await api('POST', '/companies', { name: 'Engines' })).body.id;
});
afterAll(() => stack.close());

const newDraft = async (extra: object = {}) =>
  (
    await api('POST', '/invoices', {
      contacts: [contactId],
      lineItems: [{ name: 'Work', quantity: 2, unitPrice: 1500 }],
      ...extra,
    })
  ).body;

async function inStatus(status: 'draft' | 'open' | 'paid' | 'voided') {
  const inv = await newDraft();
  if (status === 'draft') return inv;
  await api('POST', `/invoices/${inv.id}/finalize`);
  if (status === 'paid') await api('POST', `/invoices/${inv.id}/mark-paid`, {});
  if (status === 'voided') await api('POST', `/invoices/${inv.id}/void`);
  return (await api('GET', `/invoices/${inv.id}`)).body;
}

type Call = [string, (id: string) => string, unknown?];
const ACTIONS: Record<string, Call> = {
  edit: ['PATCH', (id) => `/invoices/${id}`, { poNumber: 'X' }],
  delete: ['DELETE', (id) => `/invoices/${id}`],
  finalize: ['POST', (id) => `/invoices/${id}/finalize`],
  markPaid: ['POST', (id) => `/invoices/${id}/mark-paid`, {}],
  void: ['POST', (id) => `/invoices/${id}/void`],
  associateContact: ['PUT', (id) => `/invoices/${id}/associations/contacts/${contactId}`],
};

// Every action from every status: the table of the status machine, checked over HTTP.
const ALLOWED: Record<string, string[]> = {
  draft: ['edit', 'delete', 'finalize', 'associateContact'],
  open: ['markPaid', 'void'],
  paid: [],
  voided: [],
};

describe.each(['draft', 'open', 'paid', 'voided'] as const)('from %s', (status) => {
  test.each(Object.keys(ACTIONS))('%s', async (action) => {
    const inv = await inStatus(status);
    const [method, path, body] = ACTIONS[action]!;
    const res = await api(method, path(inv.id), body);
    const after = await api('GET', `/invoices/${inv.id}`);
    if (ALLOWED[status]!.includes(action)) {
      expect(res.status).toBe(action === 'delete' ? 204 : 200);
    } else {
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.currentStatus).toBe(status);
      expect(res.body.detail).toContain(status);
      expect(after.body).toEqual(inv); // refused: nothing changed
    }
  });
});

test('finalize needs a contact and a line item (422 naming both)', async () => {
  const empty = (await api('POST', '/invoices', {})).body;
  const res = await api('POST', `/invoices/${empty.id}/finalize`);
  expect(res.status).toBe(422);
  expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['contacts', 'lineItems']);
  expect((await api('GET', `/invoices/${empty.id}`)).body.status).toBe('draft');
});

test('a deleted draft is gone', async () => {
  const inv = await newDraft();
  expect((await api('DELETE', `/invoices/${inv.id}`)).status).toBe(204);
  const gone = await api('GET', `/invoices/${inv.id}`);
  expect(gone.status).toBe(404);
  expect(gone.headers.get('content-type')).toContain('application/problem+json');
});

test('If-Match with a stale version is 412 and changes nothing', async () => {
  const inv = await newDraft();
  await api('PATCH', `/invoices/${inv.id}`, { poNumber: 'first' });
  const stale = await api('PATCH', `/invoices/${inv.id}`, { poNumber: 'second' }, { 'if-match': '"1"' });
  expect(stale.status).toBe(412);
  expect(stale.body.currentVersion).toBe(2);
  expect((await api('POST', `/invoices/${inv.id}/finalize`, undefined, { 'if-match': '"1"' })).status).toBe(412);
  const now = await api('GET', `/invoices/${inv.id}`);
  expect(now.body).toMatchObject({ poNumber: 'first', status: 'draft', version: 2 });
  expect(now.headers.get('etag')).toBe('"2"');
});

test('payment terms set the due date; custom takes one by hand', async () => {
  const inv = await newDraft({ invoiceDate: '2026-01-31', paymentTerms: 'net30' });
  expect(inv.dueDate).toBe('2026-03-02');
  const custom = await api('PATCH', `/invoices/${inv.id}`, { paymentTerms: 'custom', dueDate: '2026-02-10' });
  expect(custom.body).toMatchObject({ paymentTerms: 'custom', dueDate: '2026-02-10' });
  const refused = await api('PATCH', `/invoices/${inv.id}`, { paymentTerms: 'net15', dueDate: '2026-02-10' });
  expect(refused.status).toBe(422);
  expect(refused.body.errors[0].path).toBe('dueDate');
  const receipt = await api('PATCH', `/invoices/${inv.id}`, { paymentTerms: 'dueOnReceipt' });
  expect(receipt.body.dueDate).toBe('2026-01-31');
});

test('clone: a new draft with the same content, a new number and slug', async () => {
  const source = await inStatus('voided');
  const clone = await api('POST', `/invoices/${source.id}/clone`);
  expect(clone.status).toBe(201);
  expect(clone.body).toMatchObject({ status: 'draft', contacts: source.contacts, finalizedAt: null, voidedAt: null });
  // The void is not carried over: the clone owes its full total again.
  expect(clone.body.totals).toEqual({ ...source.totals, balanceDue: source.totals.total });
  expect(clone.body.id).not.toBe(source.id);
  expect(clone.body.number).not.toBe(source.number);
  expect(clone.body.slug).not.toBe(source.slug);
  expect(clone.body.lineItems.map((l: { name: string }) => l.name)).toEqual(
    source.lineItems.map((l: { name: string }) => l.name),
  );
});

test('associations: contacts, at most one company, only on drafts', async () => {
  const inv = await newDraft();
  const second = (await api('POST', '/contacts', { firstName: 'Charles' })).body.id;
  const withContact = await api('PUT', `/invoices/${inv.id}/associations/contacts/${second}`);
  expect(withContact.body.contacts).toEqual([contactId, second]);
  const withCompany = await api('PUT', `/invoices/${inv.id}/associations/companies/${companyId}`);
  expect(withCompany.body.company).toBe(companyId);
  const other = (await api('POST', '/companies', { name: 'Other' })).body.id;
  const twoCompanies = await api('PUT', `/invoices/${inv.id}/associations/companies/${other}`);
  expect(twoCompanies.status).toBe(409);
  expect((await api('PUT', `/invoices/${inv.id}/associations/contacts/con_missing`)).status).toBe(404);
  expect((await api('PUT', `/invoices/${inv.id}/associations/widgets/${other}`)).status).toBe(422);
  const detached = await api('DELETE', `/invoices/${inv.id}/associations/companies/${companyId}`);
  expect(detached.body.company).toBeNull();
  expect((await api('DELETE', `/invoices/${inv.id}/associations/contacts/${second}`)).body.contacts).toEqual([
    contactId,
  ]);
});

test('list pages newest first with an opaque cursor', async () => {
  const own = client(stack.baseUrl, await stack.token(uniqueAccount()));
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await own('POST', '/invoices', {})).body.id);
  const first = await own('GET', '/invoices?limit=2');
  expect(first.body.results.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
  const second = await own('GET', `/invoices?limit=2&after=${first.body.paging.next.after}`);
  expect(second.body.results.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
  const third = await own('GET', `/invoices?limit=2&after=${second.body.paging.next.after}`);
  expect(third.body.results.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
});

test('replacing every association at the caps fits one transaction', async () => {
  const make = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        api('POST', '/contacts', { firstName: `C${i}` }).then((r) => r.body.id as string),
      ),
    );
  const [first, second] = [await make(20), await make(20)];
  const inv = (await api('POST', '/invoices', { contacts: first, company: companyId })).body;
  expect(inv.contacts).toHaveLength(20);
  const other = (await api('POST', '/companies', { name: 'Other' })).body.id;
  const swapped = await api('PATCH', `/invoices/${inv.id}`, { contacts: second, company: other });
  expect(swapped.status).toBe(200);
  expect(swapped.body.contacts).toEqual(second);
  const tooMany = await api('PATCH', `/invoices/${inv.id}`, { contacts: [...second, contactId] });
  expect(tooMany.status).toBe(422);
  expect(tooMany.body.errors[0].path).toBe('contacts');
});
