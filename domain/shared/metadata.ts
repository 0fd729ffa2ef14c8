import * as z from 'zod';
import { fieldError } from '../errors.js';

/**
 * An integrator's own keys on an object (an order id, a project code), as Stripe's `metadata`: up
 * to 50 string keys of at most 40 characters with string values of at most 500. Not part of any
 * document: it never changes a PDF or e-invoice, so it may be edited on issued invoices too.
 */
export const MAX_METADATA_KEYS = 50;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 500;

export type Metadata = Record<string, string>;

/**
 * What a request may send: keys to set, `""` to remove a key. The count is checked here on the
 * request and again on the merged result (mergeMetadata).
 */
export const metadataInput = z
  .record(
    z.string().min(1, 'a metadata key must not be empty').max(MAX_METADATA_KEY_LENGTH),
    z.string().max(MAX_METADATA_VALUE_LENGTH),
  )
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, {
    message: `must have at most ${MAX_METADATA_KEYS} keys`,
  });

/**
 * Applies a request's metadata to what is stored: keys set to a string are set, keys set to `""`
 * are removed, others are kept. On create `current` is `{}`, so `""` simply sets nothing.
 * No keys at all is `undefined`, never `{}`: an object without metadata stores no attribute (an
 * empty map would also be an item shape older objects never had), and the API shows it as `{}`.
 */
export function mergeMetadata(current: Metadata | undefined, patch: Metadata | undefined): Metadata | undefined {
  // A Map, not assignment on an object: a key such as `__proto__` stays an ordinary key.
  const merged = new Map(Object.entries(current ?? {}));
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === '') merged.delete(k);
    else merged.set(k, v);
  }
  if (merged.size > MAX_METADATA_KEYS)
    throw fieldError('metadata', `must have at most ${MAX_METADATA_KEYS} keys (with those already set)`);
  return merged.size ? Object.fromEntries(merged) : undefined;
}
