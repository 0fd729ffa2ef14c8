import { describe, expect, test } from 'vitest';
import { logoDataUrl, logoFor } from '../../../../domain/settings/seller-logo.js';
import type { SellerLogo } from '../../../../domain/settings/settings.js';
import { cachedLogos } from '../../../../functions/s3/logo-cache.js';

/** A bucket that counts its reads. */
function bucket(objects: Record<string, Uint8Array>) {
  const reads: string[] = [];
  return { reads, get: async (key: string) => (reads.push(key), objects[key] ?? null) };
}

const logo = (key: string): SellerLogo => ({
  key,
  contentType: 'image/png',
  size: 3,
  width: 10,
  height: 10,
  sha256: 'x',
  updatedAt: '2026-11-30T00:00:00Z',
});

describe('which logo a document shows', () => {
  test('an issued invoice its own (none if it recorded none); a draft or an invoice issued before seller profiles the current one', () => {
    const current = logo('logos/a/new.png');
    const recorded = logo('logos/a/old.png');
    expect(logoFor({ seller: { legalName: 'T' }, sellerLogo: recorded }, current)).toBe(recorded);
    expect(logoFor({ seller: { legalName: 'T' }, sellerLogo: null }, current)).toBeNull();
    expect(logoFor({ seller: { legalName: 'T' } }, current)).toBeNull();
    expect(logoFor({}, current)).toBe(current);
    expect(logoFor({ seller: null }, null)).toBeNull();
  });

  test('inlined as a data URL of its type; a missing object is no logo', async () => {
    const b = bucket({ 'logos/a/1.png': new Uint8Array([1, 2, 3]) });
    expect(await logoDataUrl(b, logo('logos/a/1.png'))).toBe('data:image/png;base64,AQID');
    expect(await logoDataUrl(b, logo('logos/a/gone.png'))).toBeNull();
    expect(await logoDataUrl(b, null)).toBeNull();
  });
});

describe('the logo cache', () => {
  test('reads each picture once, never remembers a miss, and lets the oldest go past its budget', async () => {
    const big = (n: number) => new Uint8Array(3_000_000).fill(n);
    const b = bucket({ a: big(1), b: big(2), c: big(3) });
    const cache = cachedLogos(b);
    expect((await cache.get('a'))![0]).toBe(1);
    expect((await cache.get('a'))![0]).toBe(1);
    expect(b.reads).toEqual(['a']);
    expect(await cache.get('missing')).toBeNull();
    expect(await cache.get('missing')).toBeNull();
    expect(b.reads.filter((k) => k === 'missing')).toHaveLength(2);
    await cache.get('b');
    await cache.get('c'); // 9 MB would pass the 8 MB budget: 'a' goes
    await cache.get('b');
    await cache.get('a');
    expect(b.reads.filter((k) => k !== 'missing')).toEqual(['a', 'b', 'c', 'a']);
  });
});
