import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { documentClient } from '../../functions/dynamodb/client.js';
import { ROUTES_WITH_SCHEMAS as ROUTES, type RouteWithSchemas } from '../../infra/route-schemas.js';
import { routeKey } from '../../infra/routes.js';
import { sampleValidBody } from './schema-arbitrary.js';
import type { client } from './local-stack.js';

/**
 * What the route-enumerated suites (tenancy, fuzz) need to call any route of ROUTES: an account
 * seeded with an object of every kind, the ids to put in each route's path, and a body for each
 * route that takes one. A route the suites cannot build a call for fails them by name, so a new
 * route cannot be skipped silently.
 */

type Call = ReturnType<typeof client>;

/** The seeded objects' ids by collection: the first path segment of the routes that name them. */
export type SeededIds = Record<string, string[]>;

export type Seeded = {
  accountId: string;
  /** A string written into every seeded object's free text: it must never reach another account. */
  marker: string;
  ids: SeededIds;
  /** The invoices by status (all are also in `ids.invoices`). */
  invoices: { draft: string; open: string; paid: string; voided: string };
  /** Every id of the account, for "none of these appears in another account's responses". */
  allIds: string[];
  /** The buyer-page slugs of the issued invoices (open, paid, voided). */
  slugs: string[];
};

/**
 * Bodies for routes whose schema-generated body would be a poor call (or that the generator cannot
 * build): `(seeded) => body`, where `seeded` is the account whose ids the call names (so a body
 * may name another account's records). Keep the seeded `marker` out of them: it marks seeded data.
 * A route with a body schema and no entry here gets a body generated from its schema; if none
 * can be found, the suites fail and name the route.
 *
 * New routes need one line each, for example:
 *   'POST /invoices/search': () => ({ filterGroups: [{ filters: [{ propertyName: 'status', operator: 'EQ', value: 'open' }] }] }),
 *   'POST /invoices/exports': () => ({ filterGroups: [], properties: ['number', 'total'], format: 'csv' }),
 *   'POST /views': () => ({ name: 'Open invoices', filters: [], columns: ['number'], sort: [] }),
 *   'PUT /views/{id}': () => ({ name: 'Renamed', filters: [], columns: ['number'], sort: [] }),
 */
export const SAMPLE_BODIES: Record<string, (s: Seeded) => unknown> = {
  'POST /invoices': (s) => ({
    contacts: s.ids.contacts!.slice(0, 1),
    company: s.ids.companies![0],
    lineItems: [{ name: 'Work', unitPrice: 10_000 }],
  }),
  'PATCH /invoices/{id}': () => ({ poNumber: 'PO 2', lineItems: [{ name: 'Changed', unitPrice: 1 }] }),
  // Labels must match the association's type, which varies by path: none here (the labels suite covers them).
  'PUT /invoices/{id}/associations/{type}/{targetId}': () => ({}),
  'POST /association-labels': () => ({ objectType: 'contact', label: 'Billing contact' }),
  'POST /snippets': () => ({
    shortcut: `thanks-${Math.random().toString(36).slice(2, 10)}`,
    body: '<p>Thank you!</p>',
  }),
  'PATCH /snippets/{id}': () => ({ body: '<p>Changed</p>' }),
  'POST /invoices/{id}/insert-snippet': (s) => ({ snippetId: s.ids.snippets![0] }),
  'POST /invoices/{id}/mark-paid': () => ({ paidAt: '2026-01-15', method: 'cash' }),
  'POST /invoices/{id}/payments': () => ({ amount: 100, paidAt: '2026-01-15', method: 'card' }),
  'POST /invoices/{id}/credit-notes': () => ({ amount: 100, reason: 'Goodwill' }),
  'PUT /settings/invoices': () => ({ prefix: 'ZZZ', startNumber: 5001, allowPartialPayments: true }),
  'POST /contacts': () => ({ firstName: 'Eve', email: 'eve@example.com' }),
  'PATCH /contacts/{id}': () => ({ firstName: 'Mallory' }),
  'POST /companies': () => ({ name: 'Other Corp', domain: 'other.example' }),
  'PATCH /companies/{id}': () => ({ name: 'Renamed' }),
  'POST /deals': (s) => ({
    name: 'Other deal',
    contacts: s.ids.contacts!.slice(0, 1),
    lineItems: [{ name: 'x', unitPrice: 1 }],
  }),
  'PATCH /deals/{id}': () => ({ name: 'Renamed deal' }),
  'POST /quotes': (s) => ({
    title: 'Other quote',
    status: 'published',
    deal: s.ids.deals![0],
    lineItems: [{ name: 'x', unitPrice: 1 }],
  }),
  'PATCH /quotes/{id}': () => ({ title: 'Renamed quote', status: 'draft' }),
  'POST /products': () => ({ name: 'Other product', unitPrice: 5 }),
  'PATCH /products/{id}': () => ({ unitPrice: 6 }),
  'POST /invoices/search': () => ({
    filterGroups: [
      { filters: [{ propertyName: 'status', operator: 'IN', values: ['draft', 'open', 'paid', 'voided'] }] },
    ],
    limit: 100,
  }),
  'POST /invoices/exports': () => ({ properties: ['id', 'number', 'total'], format: 'csv' }),
  'POST /views': () => ({
    name: 'Open invoices',
    filterGroups: [{ filters: [{ propertyName: 'status', operator: 'EQ', value: 'open' }] }],
    properties: ['number'],
    shared: true,
  }),
  'PUT /views/{id}': () => ({ name: 'Renamed', filterGroups: [], properties: ['number'], shared: true }),
  'POST /recurring-invoices': (s) => ({
    name: 'Monthly retainer',
    invoice: {
      contacts: s.ids.contacts!.slice(0, 1),
      company: s.ids.companies![0],
      lineItems: [{ productId: s.ids.products![0] }, { name: 'Retainer', unitPrice: 50_000 }],
      paymentTerms: 'net30',
    },
    schedule: { interval: 'month', startDate: '2031-01-31', count: 12 },
    autoSend: true,
  }),
  'PATCH /recurring-invoices/{id}': () => ({ name: 'Renamed schedule', schedule: { every: 2 } }),
  'PUT /settings/payments': () => ({ processor: 'stripe', connectedAccountId: 'acct_other' }),
  'POST /payments/{id}/refund': () => ({ amount: 100 }),
  'POST /api-keys': () => ({ name: 'CI bot', permissions: ['invoices:read', 'crm:read'] }),
  // A public address: the URL guard refuses private ones. Nothing is delivered (no delivery poller runs here).
  'POST /webhook-endpoints': () => ({ url: 'https://93.184.215.14/hook', events: ['invoice.paid'] }),
  'PATCH /webhook-endpoints/{id}': () => ({ description: 'Renamed endpoint', events: ['*'] }),
};

/**
 * Collections whose objects are made by a route other than `POST /{collection}` (the default), so
 * that seeding can make one: e.g. `exports: 'POST /invoices/exports'`.
 */
export const CREATED_BY: Record<string, string> = { exports: 'POST /invoices/exports' };

/** The body to send to a route: none, its sample, or one generated from its schema (or an error naming the route). */
export function bodyFor(route: RouteWithSchemas, seeded: Seeded): unknown {
  if (!route.body) return undefined;
  const key = routeKey(route);
  const sample = SAMPLE_BODIES[key];
  if (sample) {
    const body = sample(seeded);
    const parsed = route.body.safeParse(body);
    if (!parsed.success)
      throw new Error(`SAMPLE_BODIES['${key}'] no longer matches the route's schema: ${parsed.error.message}`);
    return body;
  }
  try {
    return sampleValidBody(route.body);
  } catch (e) {
    throw new Error(
      `${key} takes a body but has no entry in SAMPLE_BODIES (test/support/route-fixtures.ts) and none could be generated from its schema (${(e as Error).message}): add a sample`,
      { cause: e },
    );
  }
}

export const collectionOf = (route: RouteWithSchemas) => route.path.split('/')[1]!;

const ASSOCIATION_TYPES = ['contacts', 'companies', 'deals', 'quotes'];

/**
 * The concrete paths of a route for a seeded account: one per seeded object its `{id}` can name
 * (each invoice status), and for associations one per type with that type's seeded record.
 */
export function pathsFor(route: RouteWithSchemas, seeded: Seeded): string[] {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (params.length === 0) return [route.path];
  if (params.length === 1 && params[0] === 'slug')
    return seeded.slugs.map((slug) => route.path.replace('{slug}', slug));
  const unknown = params.filter((p) => !['id', 'type', 'targetId', 'deliveryId'].includes(p));
  if (unknown.length)
    throw new Error(
      `${routeKey(route)}: no fixture for path parameter(s) ${unknown.join(', ')}: teach pathsFor in test/support/route-fixtures.ts`,
    );
  const ids = seeded.ids[collectionOf(route)];
  if (!ids?.length)
    throw new Error(
      `${routeKey(route)}: no seeded ${collectionOf(route)} to name; add it to CREATED_BY or seedAccount in test/support/route-fixtures.ts`,
    );
  return ids.flatMap((id) => {
    // A webhook endpoint's delivery: the one its seeded test ping made.
    const withId = route.path.replace('{id}', id).replace('{deliveryId}', seeded.ids.deliveries?.[0] ?? 'dlv_none');
    if (!params.includes('type')) return [withId];
    return ASSOCIATION_TYPES.map((type) => withId.replace('{type}', type).replace('{targetId}', seeded.ids[type]![0]!));
  });
}

/**
 * An account with an object of every kind: contacts, a company, a deal, a published quote, a
 * product, invoices in each status (draft, open, paid with a payment, voided) and a credit note;
 * then one object of any collection a route names that the above did not make.
 */
export async function seedAccount(call: Call, accountId: string, marker: string): Promise<Seeded> {
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`seeding ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; [k: string]: unknown };
  };
  const address = { line1: `1 ${marker} St`, city: 'Springfield', country: 'US' };
  const contact = await must('POST', '/contacts', { firstName: `Ada ${marker}`, email: 'ada@example.com', address });
  const contact2 = await must('POST', '/contacts', { firstName: `Bob ${marker}` });
  const company = await must('POST', '/companies', { name: `Acme ${marker}`, address });
  const product = await must('POST', '/products', { name: `Widget ${marker}`, unitPrice: 2_500, taxRate: 10 });
  const deal = await must('POST', '/deals', {
    name: `Deal ${marker}`,
    contacts: [contact.id],
    company: company.id,
    lineItems: [{ productId: product.id }],
  });
  const quote = await must('POST', '/quotes', {
    title: `Quote ${marker}`,
    status: 'published',
    contacts: [contact.id],
    deal: deal.id,
    lineItems: [{ name: `Line ${marker}`, unitPrice: 1_000 }],
  });
  const invoice = (extra: Record<string, unknown> = {}) =>
    must('POST', '/invoices', {
      contacts: [contact.id],
      company: company.id,
      deals: [deal.id],
      quotes: [quote.id],
      poNumber: `PO ${marker}`,
      comments: `<p>${marker}</p>`,
      billingAddress: address,
      lineItems: [{ name: `Work ${marker}`, unitPrice: 10_000 }],
      ...extra,
    });
  const draft = await invoice();
  const open = await invoice();
  const issued = [await must('POST', `/invoices/${open.id}/finalize`)];
  const paid = await invoice();
  issued.push(await must('POST', `/invoices/${paid.id}/finalize`));
  const payment = await must('POST', `/invoices/${paid.id}/payments`, {
    amount: 10_000,
    paidAt: '2026-01-15',
    method: 'bankTransfer',
    reference: `Ref ${marker}`,
  });
  const creditNote = await must('POST', `/invoices/${paid.id}/credit-notes`, {
    amount: 500,
    reason: `Goodwill ${marker}`,
  });
  const voided = await invoice();
  await must('POST', `/invoices/${voided.id}/finalize`);
  issued.push(await must('POST', `/invoices/${voided.id}/void`));

  const seeded: Seeded = {
    accountId,
    marker,
    ids: {
      invoices: [draft.id, open.id, paid.id, voided.id],
      'credit-notes': [creditNote.id],
      contacts: [contact.id, contact2.id],
      companies: [company.id],
      deals: [deal.id],
      quotes: [quote.id],
      products: [product.id],
      payments: [payment.id],
    },
    invoices: { draft: draft.id, open: open.id, paid: paid.id, voided: voided.id },
    allIds: [],
    slugs: issued.map((i) => String(i.slug)),
  };
  // Any other collection a route names by id (views, exports, …): make one with its create route.
  for (const route of ROUTES.filter((r) => r.permission && r.path.includes('{id}'))) {
    const collection = collectionOf(route);
    if (seeded.ids[collection]) continue;
    const createKey = CREATED_BY[collection] ?? `POST /${collection}`;
    const create = ROUTES.find((r) => routeKey(r) === createKey);
    if (!create) continue; // pathsFor will fail the route, naming what is missing
    seeded.ids[collection] = [(await must(create.method, create.path, bodyFor(create, seeded))).id];
  }
  // A delivery in the webhook endpoint's log (its test ping), for the routes that name one.
  if (seeded.ids['webhook-endpoints'])
    seeded.ids.deliveries = [(await must('POST', `/webhook-endpoints/${seeded.ids['webhook-endpoints'][0]}/test`)).id];
  seeded.allIds = [...Object.values(seeded.ids).flat(), payment.id];
  return seeded;
}

/**
 * An account's items, straight from the table, in key order: what "nothing changed" is checked
 * against. Idempotency records are left out: a request refused for a reason other than its input
 * (403, 404) may store its answer under its key (a retry gets the same answer), and they expire.
 */
const clients = new Map<string, ReturnType<typeof documentClient>>();

export async function accountItems(tableName: string, accountId: string | null): Promise<Record<string, unknown>[]> {
  if (!clients.has(tableName))
    clients.set(tableName, documentClient({ tableName, endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1' }));
  const db = clients.get(tableName)!;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const own = (i: Record<string, unknown>) => {
    const pk = String(i.pk);
    if (pk.includes('#IDEM#')) return false;
    if (accountId === null) return true;
    return pk === `ACC#${accountId}` || pk.startsWith(`ACC#${accountId}#`) || i.accountId === accountId;
  };
  return items.filter(own).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

/**
 * An account's items (all items for `null`), checked scan against scan: `expectUnchanged` scans
 * again and expects what the previous scan (or `start`) found. For suites whose tests run one after
 * another and none of which may change the watched items: one scan a test, not one a request (the
 * scans were most of those suites' time).
 */
export function watchItems(tableName: string, accountId: string | null) {
  let last: Record<string, unknown>[] | undefined;
  return {
    async start() {
      last = await accountItems(tableName, accountId);
    },
    async expectUnchanged(message: string) {
      const before = last;
      last = await accountItems(tableName, accountId);
      expect(last, message).toEqual(before);
    },
  };
}
