import type { Actor } from '../auth/actor.js';
import { notFound } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Clock, IdGenerator, Page, RecordStore } from '../ports.js';
import { ID_PREFIX, type CrmKind, type CrmRecord } from './records.js';

export type RecordDeps<T extends CrmRecord> = { store: RecordStore<T>; clock: Clock; ids: IdGenerator };

const LABEL: Record<CrmKind, string> = { contact: 'Contact', company: 'Company' };

/**
 * Contacts and companies share one life: create, read, edit, delete and list, each behind the same
 * version checks as invoices. `fields` are the kind's own defaults (a contact's blank name, …).
 */
export function recordUseCases<T extends CrmRecord, I extends object>(kind: T['kind'], fields: (input: I) => Omit<T, keyof CrmRecord>) {
  const load = async (deps: RecordDeps<T>, actor: Actor, id: string) => {
    const record = await deps.store.get(actor.accountId, id);
    if (!record) throw notFound(LABEL[kind], id);
    return record;
  };
  return {
    async create(deps: RecordDeps<T>, actor: Actor, input: I): Promise<T> {
      const now = toInstant(deps.clock.now());
      const record = {
        ...fields(input),
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
      return mutate(() => load(deps, actor, id), ifMatch, (current) => {
        const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
        const next = { ...current, ...defined, version: current.version + 1, updatedAt: toInstant(deps.clock.now()) };
        return deps.store.replace(current, next);
      });
    },
    async remove(deps: RecordDeps<T>, actor: Actor, id: string, ifMatch?: number): Promise<void> {
      await mutate(() => load(deps, actor, id), ifMatch, (current) => deps.store.remove(current));
    },
    list(deps: RecordDeps<T>, actor: Actor, limit: number, cursor: string | null): Promise<Page<T>> {
      return deps.store.list(actor.accountId, limit, cursor);
    },
  };
}
