import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/**
 * Comment snippets over real HTTP on the local stack (DynamoDB Local, the real handlers): CRUD,
 * the unique shortcut under racing creates, sanitizing, inserting into a draft's comments (409 once
 * finalized), the size limit, and tenant isolation.
 */
let stack: Stack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
});
afterAll(() => stack?.close());

describe('snippets', () => {
  test('at most 500 per account: the limit is a condition on the account counter', async () => {
    // 500 creates would be volume for its own sake: the counter is set to 499 directly, as 499
    // creates would have left it, and the next creates race for the last place.
    const accountId = uniqueAccount();
    const own = client(stack.baseUrl, await stack.token(accountId));
    const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
    await db.send(
      new PutCommand({ TableName: stack.tableName, Item: { ...keys.snippetCounter(accountId), count: 499 } }),
    );
    const racing = await Promise.all(
      [1, 2, 3].map((i) => own('POST', '/snippets', { shortcut: `s${i}`, body: '<p>x</p>' })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 422, 422]);
    const made = racing.find((r) => r.status === 201)!.body;
    expect((await own('DELETE', `/snippets/${made.id}`)).status).toBe(204);
    expect((await own('POST', '/snippets', { shortcut: 'again', body: '<p>x</p>' })).status).toBe(201);
  });

  test('CRUD, with the body sanitized like comments', async () => {
    const created = await api('POST', '/snippets', {
      shortcut: 'thanks',
      body: '<p onclick="x()">Thank <b>you</b><script>alert(1)</script> <a href="javascript:alert(1)">here</a></p>',
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^snip_/);
    expect(created.body.body).toBe('<p>Thank <b>you</b> <a>here</a></p>');
    expect(created.body.accountId).toBeUndefined();
    expect((await api('GET', `/snippets/${created.body.id}`)).body).toEqual(created.body);
    const patched = await api('PATCH', `/snippets/${created.body.id}`, { body: '<p>Thanks <i>again</i></p>' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ shortcut: 'thanks', body: '<p>Thanks <i>again</i></p>', version: 2 });
    expect((await api('GET', '/snippets')).body.results.map((s: { id: string }) => s.id)).toContain(created.body.id);
    // Stale If-Match: 412.
    const stale = await api('PATCH', `/snippets/${created.body.id}`, { body: '<p>x</p>' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect((await api('DELETE', `/snippets/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/snippets/${created.body.id}`)).status).toBe(404);
    // Its shortcut is free again.
    expect((await api('POST', '/snippets', { shortcut: 'Thanks', body: '<p>Hi</p>' })).status).toBe(201);
  });

  test('a shortcut is unique per account, ignoring case, even when created or renamed at once', async () => {
    const racing = await Promise.all(
      ['sig', 'SIG', 'Sig', 'sIg'].map((shortcut) => api('POST', '/snippets', { shortcut, body: '<p>Best</p>' })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(racing.find((r) => r.status === 409)!.body.errors[0].path).toBe('shortcut');
    const other = await api('POST', '/snippets', { shortcut: 'other', body: '<p>x</p>' });
    expect((await api('PATCH', `/snippets/${other.body.id}`, { shortcut: 'SIG' })).status).toBe(409);
    const renamed = await api('PATCH', `/snippets/${other.body.id}`, { shortcut: 'other2' });
    expect(renamed.status).toBe(200);
    // The old shortcut is released by the rename.
    expect((await api('POST', '/snippets', { shortcut: 'other', body: '<p>y</p>' })).status).toBe(201);
    // Another account has its own shortcuts.
    const elsewhere = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await elsewhere('POST', '/snippets', { shortcut: 'sig', body: '<p>Mine</p>' })).status).toBe(201);
  });

  test('bad input is 422 naming the field; the size limit applies to the sanitized body', async () => {
    for (const [body, path] of [
      [{ shortcut: 'has space', body: '<p>x</p>' }, 'shortcut'],
      [{ shortcut: '', body: '<p>x</p>' }, 'shortcut'],
      [{ shortcut: 'ok', body: '<script>only()</script>' }, 'body'],
      [{ shortcut: 'big', body: `<p>${'x'.repeat(10_300)}</p>` }, 'body'],
      [{ shortcut: 'ok2' }, 'body'],
    ] as const) {
      const res = await api('POST', '/snippets', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    // Markup that is stripped does not count: 30 KB of it around a short text is fine.
    const padded = `<div>${'<span>'.repeat(3_000)}Short${'</span>'.repeat(3_000)}</div>`;
    const res = await api('POST', '/snippets', { shortcut: 'padded', body: padded });
    expect(res.status).toBe(201);
    expect(res.body.body).toBe('Short');
  });

  test('insert-snippet appends to a draft, 409 once finalized, and the invoice keeps its copy', async () => {
    const contact = (await api('POST', '/contacts', { firstName: 'Ada' })).body;
    const snip = (await api('POST', '/snippets', { shortcut: 'terms', body: '<p>Net 30, please.</p>' })).body;
    const draft = (
      await api('POST', '/invoices', {
        contacts: [contact.id],
        comments: '<p>Hello</p>',
        lineItems: [{ name: 'A', unitPrice: 100 }],
      })
    ).body;
    const inserted = await api('POST', `/invoices/${draft.id}/insert-snippet`, { snippetId: snip.id });
    expect(inserted.status).toBe(200);
    expect(inserted.body.comments).toBe('<p>Hello</p><p>Net 30, please.</p>');
    expect(inserted.body.version).toBe(draft.version + 1);
    // Editing the snippet later leaves the invoice's comments as they were.
    await api('PATCH', `/snippets/${snip.id}`, { body: '<p>Changed</p>' });
    expect((await api('GET', `/invoices/${draft.id}`)).body.comments).toBe('<p>Hello</p><p>Net 30, please.</p>');

    expect((await api('POST', `/invoices/${draft.id}/insert-snippet`, { snippetId: 'snip_nope' })).status).toBe(422);
    await api('POST', `/invoices/${draft.id}/finalize`);
    const refused = await api('POST', `/invoices/${draft.id}/insert-snippet`, { snippetId: snip.id });
    expect(refused.status).toBe(409);
    expect(refused.body.currentStatus).toBe('open');

    // Another account's snippet cannot be inserted, nor read.
    const elsewhere = client(stack.baseUrl, await stack.token(uniqueAccount()));
    const theirs = (await elsewhere('POST', '/invoices', { lineItems: [{ name: 'x', unitPrice: 1 }] })).body;
    expect((await elsewhere('POST', `/invoices/${theirs.id}/insert-snippet`, { snippetId: snip.id })).status).toBe(422);
    expect((await elsewhere('GET', `/snippets/${snip.id}`)).status).toBe(404);
    expect((await elsewhere('PATCH', `/snippets/${snip.id}`, { body: '<p>x</p>' })).status).toBe(404);
    expect((await elsewhere('DELETE', `/snippets/${snip.id}`)).status).toBe(404);
  });
});
