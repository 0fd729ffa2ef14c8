import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { toInstant } from '../dates/calendar.js';
import { DomainError, fieldError, notFound } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { loadInvoice, type InvoiceDeps } from '../invoices/invoice-use-cases.js';
import { loadRichText, sanitizeRichText } from '../invoices/rich-text.js';
import { assertAllowed } from '../invoices/status-machine.js';
import { mutate } from '../optimistic.js';
import {
  ShortcutTaken,
  SnippetLimitReached,
  type Clock,
  type IdGenerator,
  type Page,
  type SnippetStore,
} from '../ports.js';
import {
  MAX_COMMENTS_CHARS,
  MAX_SNIPPET_BYTES,
  MAX_SNIPPETS,
  type Snippet,
  type SnippetInput,
  type SnippetPatch,
} from './snippet.js';

export type SnippetDeps = { snippets: SnippetStore; clock: Clock; ids: IdGenerator };

/** The body as comments keep it (sanitized like comments); 422 when nothing is left or it is too big. */
async function cleanBody(body: string): Promise<string> {
  await loadRichText();
  const clean = sanitizeRichText(body);
  if (!clean.trim()) throw fieldError('body', 'has no content left once sanitized like comments');
  if (Buffer.byteLength(clean) > MAX_SNIPPET_BYTES)
    throw fieldError('body', `must be at most ${MAX_SNIPPET_BYTES} bytes once sanitized`);
  return clean;
}

const taken = (shortcut: string) =>
  new DomainError('conflict', `Another snippet has the shortcut ${shortcut}`, [
    { path: 'shortcut', message: 'is already used by another snippet' },
  ]);

export async function createSnippet(deps: SnippetDeps, actor: Actor, input: SnippetInput): Promise<Snippet> {
  const now = toInstant(deps.clock.now());
  const snippet: Snippet = {
    id: deps.ids.id('snip'),
    accountId: actor.accountId,
    kind: 'snippet',
    version: 1,
    createdAt: now,
    updatedAt: now,
    shortcut: input.shortcut,
    body: await cleanBody(input.body),
  };
  try {
    return await deps.snippets.create(snippet);
  } catch (e) {
    if (e instanceof ShortcutTaken) throw taken(input.shortcut);
    if (e instanceof SnippetLimitReached)
      throw fieldError('shortcut', `an account has at most ${MAX_SNIPPETS} snippets; delete one first`);
    throw e;
  }
}

export async function getSnippet(deps: Pick<SnippetDeps, 'snippets'>, actor: Actor, id: string): Promise<Snippet> {
  const s = await deps.snippets.get(actor.accountId, id);
  if (!s) throw notFound('Snippet', id);
  return s;
}

export function listSnippets(
  deps: Pick<SnippetDeps, 'snippets'>,
  actor: Actor,
  limit: number,
  cursor: string | null,
): Promise<Page<Snippet>> {
  return deps.snippets.list(actor.accountId, limit, cursor);
}

export function updateSnippet(
  deps: SnippetDeps,
  actor: Actor,
  id: string,
  input: SnippetPatch,
  ifMatch?: number,
): Promise<Snippet> {
  return mutate(
    () => getSnippet(deps, actor, id),
    ifMatch,
    async (current) => {
      const next: Snippet = {
        ...current,
        ...(input.shortcut !== undefined ? { shortcut: input.shortcut } : {}),
        ...(input.body !== undefined ? { body: await cleanBody(input.body) } : {}),
        version: current.version + 1,
        updatedAt: toInstant(deps.clock.now()),
      };
      try {
        return await deps.snippets.replace(current, next);
      } catch (e) {
        if (e instanceof ShortcutTaken) throw taken(next.shortcut);
        throw e;
      }
    },
  );
}

export async function deleteSnippet(deps: SnippetDeps, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  await mutate(
    () => getSnippet(deps, actor, id),
    ifMatch,
    (current) => deps.snippets.remove(current),
  );
}

/**
 * `POST /invoices/{id}/insert-snippet`: appends the snippet's body to a draft's comments (409 once
 * finalized, as any edit). The invoice keeps a copy: editing or deleting the snippet later does not
 * change comments it was inserted into.
 */
export async function insertSnippet(
  deps: InvoiceDeps & { snippets: SnippetStore },
  actor: Actor,
  invoiceId: string,
  snippetId: string,
  ifMatch?: number,
): Promise<Invoice> {
  return mutate(
    () => loadInvoice(deps, actor, invoiceId),
    ifMatch,
    async (current) => {
      // The invoice first: another account's invoice is a 404 whatever the body names.
      assertAllowed('edit', current.status);
      const snippet = await deps.snippets.get(actor.accountId, snippetId);
      if (!snippet) throw fieldError('snippetId', `no snippet ${snippetId} in this account`);
      await loadRichText();
      const comments = sanitizeRichText(`${current.comments ?? ''}${snippet.body}`);
      if (comments.length > MAX_COMMENTS_CHARS)
        throw fieldError('snippetId', `the comments would pass ${MAX_COMMENTS_CHARS} characters`);
      const now = toInstant(deps.clock.now());
      const next: Invoice = { ...current, comments, version: current.version + 1, updatedAt: now };
      return deps.invoices.replace(current, next, byUser(actor, 'edited', now, { snippetId }));
    },
  );
}
