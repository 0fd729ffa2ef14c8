import type { DocumentStore } from '../../domain/ports.js';

/** Far more than the logos one function instance meets between cold starts; each is at most 1 MB. */
const BUDGET_BYTES = 8_000_000;

/**
 * Reads logos through a small in-process cache. A logo's key names its content
 * (domain/settings/seller-logo.ts), so a cached copy can never be stale: the buyer page and the
 * preview, which inline it on every view, read the bucket once per picture and instance.
 */
export function cachedLogos(documents: Pick<DocumentStore, 'get'>): Pick<DocumentStore, 'get'> {
  const cache = new Map<string, Uint8Array>();
  let held = 0;
  return {
    async get(key) {
      const hit = cache.get(key);
      if (hit) return hit;
      const bytes = await documents.get(key);
      // A missing object is not remembered: it may be a logo whose put is still landing.
      if (!bytes || bytes.length > BUDGET_BYTES) return bytes;
      // The oldest entries go first (a Map iterates in insertion order).
      for (const [k, v] of cache) {
        if (held + bytes.length <= BUDGET_BYTES) break;
        cache.delete(k);
        held -= v.length;
      }
      cache.set(key, bytes);
      held += bytes.length;
      return bytes;
    },
  };
}
