import * as z from 'zod';
import type { Actor } from '../auth/actor.js';
import type { Versioned } from '../crm/records.js';
import { toInstant } from '../dates/calendar.js';
import { DomainError, notFound } from '../errors.js';
import { mutate } from '../optimistic.js';
import type { Clock, IdGenerator, Page, RecordStore, SettingsStore } from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { text } from '../shared/schemas.js';
import { checkProperties, compileSearch } from './compile-filters.js';
import { filterGroupsInput, propertiesInput, sortsInput } from './search-input.js';

/** A saved index view: the filters, columns and sort a user keeps; `shared` shows it to the whole account. */
export type View = Versioned & {
  kind: 'view';
  name: string;
  filterGroups: z.infer<typeof filterGroupsInput>;
  properties: string[] | null;
  sorts: z.infer<typeof sortsInput>;
  shared: boolean;
  owner: string;
};

/** `POST /views` and `PUT /views/{id}` (a PUT replaces the view whole). */
export const viewInput = z.strictObject({
  name: text(100).min(1, 'is required'),
  filterGroups: filterGroupsInput.default([]),
  properties: propertiesInput.nullable().default(null),
  sorts: sortsInput.default([]),
  shared: z.boolean().default(false),
});
export type ViewInput = z.infer<typeof viewInput>;

export type ViewDeps = { views: RecordStore<View>; settings: SettingsStore; clock: Clock; ids: IdGenerator };

/** The filters must be ones search can run: the same checks, so a saved view never fails later. */
async function check(deps: ViewDeps, actor: Actor, input: ViewInput) {
  const { timeZone } = await getSettings(deps, actor.accountId);
  compileSearch(input.filterGroups, input.sorts, timeZone);
  checkProperties(input.properties ?? undefined);
}

const visible = (view: View, actor: Actor) => view.owner === actor.userId || view.shared;

/** A view the caller may see (their own, or one shared with the account); anything else is 404. */
export async function getView(deps: Pick<ViewDeps, 'views'>, actor: Actor, id: string): Promise<View> {
  const view = await deps.views.get(actor.accountId, id);
  if (!view || !visible(view, actor)) throw notFound('View', id);
  return view;
}

/** Only its owner changes or deletes a view; a shared view is read-only to everyone else. */
async function ownView(deps: Pick<ViewDeps, 'views'>, actor: Actor, id: string): Promise<View> {
  const view = await getView(deps, actor, id);
  if (view.owner !== actor.userId)
    throw new DomainError('forbidden', `View ${id} is shared with you; only its owner can change it`);
  return view;
}

export async function createView(deps: ViewDeps, actor: Actor, input: ViewInput): Promise<View> {
  await check(deps, actor, input);
  const now = toInstant(deps.clock.now());
  return deps.views.create({
    ...input,
    id: deps.ids.id('view'),
    accountId: actor.accountId,
    kind: 'view',
    owner: actor.userId,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
}

export async function replaceView(
  deps: ViewDeps,
  actor: Actor,
  id: string,
  input: ViewInput,
  ifMatch?: number,
): Promise<View> {
  await check(deps, actor, input);
  return mutate(
    () => ownView(deps, actor, id),
    ifMatch,
    (current) =>
      deps.views.replace(current, {
        ...current,
        ...input,
        version: current.version + 1,
        updatedAt: toInstant(deps.clock.now()),
      }),
  );
}

export async function deleteView(deps: ViewDeps, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  await mutate(
    () => ownView(deps, actor, id),
    ifMatch,
    (current) => deps.views.remove(current),
  );
}

/** The caller's views and the account's shared ones, newest first (a page may hold fewer than `limit`). */
export async function listViews(
  deps: Pick<ViewDeps, 'views'>,
  actor: Actor,
  limit: number,
  cursor: string | null,
): Promise<Page<View>> {
  const page = await deps.views.list(actor.accountId, limit, cursor);
  return { ...page, items: page.items.filter((v) => visible(v, actor)) };
}
