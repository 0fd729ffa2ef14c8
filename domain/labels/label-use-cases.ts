import type { Actor } from '../auth/actor.js';
import { toInstant } from '../dates/calendar.js';
import { conflict, DomainError, notFound } from '../errors.js';
import {
  LabelInUse,
  LabelLimitReached,
  type AssociationLabelStore,
  type Clock,
  type IdGenerator,
  type Page,
} from '../ports.js';
import { MAX_ASSOCIATION_LABELS, type AssociationLabel, type AssociationLabelInput } from './association-label.js';

export type LabelDeps = { labels: AssociationLabelStore; clock: Clock; ids: IdGenerator };

/** A new label; at most MAX_ASSOCIATION_LABELS per account (422 beyond, held by the store's counter). */
export async function createLabel(
  deps: LabelDeps,
  actor: Actor,
  input: AssociationLabelInput,
): Promise<AssociationLabel> {
  const now = toInstant(deps.clock.now());
  try {
    return await deps.labels.create({
      id: deps.ids.id('alb'),
      accountId: actor.accountId,
      kind: 'associationLabel',
      version: 1,
      createdAt: now,
      updatedAt: now,
      objectType: input.objectType,
      label: input.label,
    });
  } catch (e) {
    if (e instanceof LabelLimitReached)
      throw new DomainError('validation', `An account has at most ${MAX_ASSOCIATION_LABELS} association labels`, [
        { path: 'label', message: `the account already has ${MAX_ASSOCIATION_LABELS} labels; delete one first` },
      ]);
    throw e;
  }
}

export function listLabels(
  deps: Pick<LabelDeps, 'labels'>,
  actor: Actor,
  limit: number,
  cursor: string | null,
): Promise<Page<AssociationLabel>> {
  return deps.labels.list(actor.accountId, limit, cursor);
}

/** Deletes a label no invoice uses; 409 while one does (detach it there first). */
export async function deleteLabel(deps: LabelDeps, actor: Actor, id: string): Promise<void> {
  const label = await deps.labels.get(actor.accountId, id);
  if (!label) throw notFound('Association label', id);
  try {
    await deps.labels.remove(label, toInstant(deps.clock.now()));
  } catch (e) {
    if (e instanceof LabelInUse)
      throw conflict(`Association label ${id} is used on invoices; remove it from their associations first`);
    throw e;
  }
}
