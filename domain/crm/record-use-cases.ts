import type { Actor } from '../auth/actor.js';
import { notFound } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Clock, IdGenerator, Page, RecordStore } from '../ports.js';
import { mergeMetadata, type Metadata } from '../shared/metadata.js';
import { ID_PREFIX, type CrmKind, type CrmRecord } from './records.js';

export type RecordDeps<T extends CrmRecord> = { store: RecordStore<T>; clock: Clock; ids: IdGenerator };

const LABEL: Record<CrmKind, string> = {
  contact: 'Contact',
  company: 'Company',
  deal: 'Deal',
  quote: 'Quote',
  product: 'Product',
};

/**
 * What a kind adds to the common life. Deals and quotes check the records they name and price
 * their lines (`prepare`); records that invoices name refuse or clean up before a delete
 * (`beforeRemove`). Hooks close over their own dependencies (see domain/crm/sales-record-rules.ts).
 */
export type RecordHooks<T extends CrmRecord, I> = {
  /** Checked and derived fields from the input; `current` is null on create. */
  prepare?: (actor: Actor, input: Partial<I>, current: T | null) => Promise<Partial<Omit<T, keyof CrmRecord>>>;
  /** Runs on the record as read, before its conditional delete; may refuse (409). */
  beforeRemove?: (actor: Actor, record: T) => Promise<void>;
};

/**
 * CRM records share one life: create, read, edit, delete and list, each behind the same
 * version checks as invoices. `fields` are the kind's own defaults (a contact's blank name, a
 * deal's owner: its creator, …).
 */
export function recordUseCases<T extends CrmRecord, I extends object>(
  kind: T['kind'],
  fields: (input: I, actor: Actor) => Omit<T, keyof CrmRecord>,
  hooks: RecordHooks<T, I> = {},
) {
  const load = async (deps: RecordDeps<T>, actor: Actor, id: string) => {
    const record = await deps.store.get(actor.accountId, id);
    if (!record) throw notFound(LABEL[kind], id);
    return record;
  };
  return {
    async create(deps: RecordDeps<T>, actor: Actor, input: I): Promise<T> {
      const now = toInstant(deps.clock.now());
      const record = {
        ...fields(input, actor),
        ...(await hooks.prepare?.(actor, input, null)),
        metadata: mergeMetadata({}, (input as { metadata?: Metadata }).metadata),
        id: deps.ids.id(ID_PREFIX[kind]),
        accountId: actor.accountId,
        kind,
        version: 1,
        createdAt: now,
        updatedAt: now,
      } as T;
      return deps.store.create(record);
    },
    get: load,
    async update(deps: RecordDeps<T>, actor: Actor, id: string, input: Partial<I>, ifMatch?: number): Promise<T> {
      return mutate(
        () => load(deps, actor, id),
        ifMatch,
        async (current) => {
          const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
          const derived = await hooks.prepare?.(actor, input, current);
          const patch = (input as { metadata?: Metadata }).metadata;
          const next = {
            ...current,
            ...defined,
            ...derived,
            // Merged, not replaced: keys set to "" are removed, keys left out are kept.
            ...(patch !== undefined ? { metadata: mergeMetadata(current.metadata, patch) } : {}),
            version: current.version + 1,
            updatedAt: toInstant(deps.clock.now()),
          };
          return deps.store.replace(current, next);
        },
      );
    },
    async remove(deps: RecordDeps<T>, actor: Actor, id: string, ifMatch?: number): Promise<void> {
      await mutate(
        () => load(deps, actor, id),
        ifMatch,
        async (current) => {
          await hooks.beforeRemove?.(actor, current);
          await deps.store.remove(current);
        },
      );
    },
    list(deps: RecordDeps<T>, actor: Actor, limit: number, cursor: string | null): Promise<Page<T>> {
      return deps.store.list(actor.accountId, limit, cursor);
    },
  };
}
