import { KEY_ATTRIBUTES } from './keys.js';

/** Strips the storage attributes (keys, entity, TTL) from an item, leaving the domain object. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}
