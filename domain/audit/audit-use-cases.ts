import type { Actor } from '../auth/actor.js';
import { notFound } from '../errors.js';
import { badCursor, decodeCursorJson, encodeCursorJson } from '../paging.js';
import type { AuditLog, Clock, DocumentStore, InvoiceStore, LedgerStore, Page } from '../ports.js';
import { creditNoteHash, GENESIS, invoiceHash, link, sha256Hex, type ChainEntry } from './chain.js';
import type { HistoryEntry } from './history.js';

export type AuditDeps = {
  audit: AuditLog;
  invoices: InvoiceStore;
  ledger: LedgerStore;
  clock: Clock;
  /** The stored files (PDFs) that `pdf` entries hash; without it their entries are checked for links only. */
  documents?: Pick<DocumentStore, 'get'>;
};

/**
 * `GET /invoices/{id}/history`: oldest first. A deleted draft has no invoice left but keeps its
 * entries for a while, so the entries answer first; an id with neither is a 404 (another account's
 * id included: the entries live under the caller's account).
 */
export async function invoiceHistory(
  deps: Pick<AuditDeps, 'audit' | 'invoices' | 'clock'>,
  actor: Actor,
  id: string,
  limit: number,
  cursor: string | null,
): Promise<Page<HistoryEntry>> {
  const page = await deps.audit.history(actor.accountId, id, limit, cursor, deps.clock.now());
  if (page.items.length === 0 && cursor === null && !(await deps.invoices.get(actor.accountId, id)))
    throw notFound('Invoice', id);
  return page;
}

/** `GET /audit/chain`: in sequence order; the cursor is the last sequence served. */
export async function chainPage(
  deps: Pick<AuditDeps, 'audit'>,
  actor: Actor,
  limit: number,
  cursor: string | null,
): Promise<Page<ChainEntry>> {
  let after = 0;
  if (cursor) {
    const c = decodeCursorJson(cursor);
    if (!Number.isInteger(c.sequence) || (c.sequence as number) < 0 || Object.keys(c).length !== 1) throw badCursor();
    after = c.sequence as number;
  }
  // One more than asked tells whether there is a next page without a cursor to an empty one.
  const entries = await deps.audit.chain(actor.accountId, after, limit + 1);
  const items = entries.slice(0, limit);
  const last = items.at(-1);
  return { items, next: entries.length > limit && last ? encodeCursorJson({ sequence: last.sequence }) : null };
}

export type BreakReason =
  /** A sequence is absent (an entry was deleted): the chain skips from the one before to a later one. */
  | 'missing'
  /** The entry's `previous` is not the link of the entry before it. */
  | 'link'
  /** The entry's `chain` is not sha256(previous + sha256). */
  | 'chain'
  /** The document (or file) hashes to something else than the entry says: it was altered. */
  | 'document'
  /** The document (or file) the entry names is gone. */
  | 'documentMissing';

export type Verification = {
  ok: boolean;
  checked: number;
  firstBreak: { sequence: number; documentId: string | null; reason: BreakReason } | null;
};

/** Entries read and documents fetched at a time: memory stays flat however long the chain is. */
export const VERIFY_PAGE = 100;
const FETCH_PARALLEL = 16;

/** The hash of the document an entry names, as it is stored now (null: it is gone). */
async function currentHash(deps: AuditDeps, accountId: string, e: ChainEntry): Promise<string | null | 'unchecked'> {
  switch (e.entryType) {
    case 'invoice': {
      const invoice = await deps.invoices.get(accountId, e.documentId);
      return invoice ? invoiceHash(invoice) : null;
    }
    case 'creditNote': {
      const creditNote = await deps.ledger.getCreditNote(accountId, e.documentId);
      return creditNote ? creditNoteHash(creditNote) : null;
    }
    case 'pdf':
    case 'einvoice': {
      if (!deps.documents || !e.objectKey) return 'unchecked';
      const body = await deps.documents.get(e.objectKey);
      return body ? sha256Hex(body) : null;
    }
  }
}

/**
 * `GET /audit/verify`: walks the account's chain page by page, recomputing every link and every
 * document's hash, and stops at the first break. Only one page and the last link are held, so a
 * chain of any length verifies in flat memory and in time linear in its length.
 */
export async function verifyChain(deps: AuditDeps, actor: Actor): Promise<Verification> {
  const accountId = actor.accountId;
  let expected = 1;
  let previous = GENESIS;
  const broken = (sequence: number, documentId: string | null, reason: BreakReason): Verification => ({
    ok: false,
    checked: expected - 1,
    firstBreak: { sequence, documentId, reason },
  });
  for (;;) {
    for (;;) {
      const page = await deps.audit.chain(accountId, expected - 1, VERIFY_PAGE);
      if (page.length === 0) break;
      const hashes: (string | null | 'unchecked')[] = [];
      for (let i = 0; i < page.length; i += FETCH_PARALLEL)
        hashes.push(
          ...(await Promise.all(page.slice(i, i + FETCH_PARALLEL).map((e) => currentHash(deps, accountId, e)))),
        );
      for (const [i, e] of page.entries()) {
        if (e.sequence !== expected) return broken(expected, null, 'missing');
        if (e.previous !== previous) return broken(e.sequence, e.documentId, 'link');
        if (link(e.previous, e.sha256) !== e.chain) return broken(e.sequence, e.documentId, 'chain');
        const hash = hashes[i];
        if (hash === null) return broken(e.sequence, e.documentId, 'documentMissing');
        if (hash !== 'unchecked' && hash !== e.sha256) return broken(e.sequence, e.documentId, 'document');
        previous = e.chain;
        expected++;
      }
      if (page.length < VERIFY_PAGE) break;
    }
    // Entries deleted from the end leave no gap to see; the head still knows how far the chain went.
    const head = await deps.audit.head(accountId);
    if (!head || head.next < expected) break; // the head may lag a moment behind the entries
    if (head.next === expected) {
      if (head.head !== previous) return broken(expected - 1, null, 'link');
      break;
    }
    // The head is further on: either documents were issued while this walk ran (walk on to them),
    // or the entries after the last one read are gone.
    if ((await deps.audit.chain(accountId, expected - 1, 1)).length === 0) return broken(expected, null, 'missing');
  }
  return { ok: true, checked: expected - 1, firstBreak: null };
}
