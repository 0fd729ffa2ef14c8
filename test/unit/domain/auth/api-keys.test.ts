import { describe, expect, test } from 'vitest';
import {
  authenticateApiKey,
  createApiKey,
  revokeApiKey,
  type ApiKey,
  type ApiKeyStore,
  type StoredApiKey,
} from '../../../../domain/auth/api-keys.js';
import type { Actor } from '../../../../domain/auth/actor.js';
import { userActor } from '../../../../domain/audit/history.js';
import { HmacHasher } from '../../../../functions/auth/hmac-hasher.js';

/** An in-memory ApiKeyStore with the DynamoDB adapter's conditions, counting lastUsedAt writes. */
class MemoryKeys implements ApiKeyStore {
  readonly items = new Map<string, StoredApiKey>();
  touches = 0;
  async create(key: StoredApiKey) {
    this.items.set(key.id, { ...key });
  }
  async get(id: string) {
    const k = this.items.get(id);
    return k ? { ...k } : null;
  }
  async list(accountId: string) {
    return { items: [...this.items.values()].filter((k) => k.accountId === accountId) as ApiKey[], next: null };
  }
  async revoke(accountId: string, id: string, at: string) {
    const k = this.items.get(id);
    if (!k || k.accountId !== accountId) return null;
    k.revokedAt ??= at;
    return k;
  }
  async touch(id: string, at: string, notBefore: string) {
    const k = this.items.get(id);
    if (k && (!k.lastUsedAt || k.lastUsedAt <= notBefore)) {
      k.lastUsedAt = at;
      this.touches++;
    }
  }
}

function setup() {
  let now = new Date('2026-11-30T10:00:00.000Z');
  let n = 0;
  const apiKeys = new MemoryKeys();
  const deps = {
    apiKeys,
    hasher: new HmacHasher('p'.repeat(32)),
    clock: { now: () => now },
    ids: { id: (prefix: string) => `${prefix}_K${String(++n).padStart(25, '0')}`, slug: () => 'x' },
  };
  return { deps, apiKeys, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const admin: Actor = { userId: 'usr_1', accountId: 'acc_1', superAdmin: true, permissions: [] };

describe('API keys', () => {
  test('a key authenticates as its account and permissions, and history names it as an apiKey', async () => {
    const { deps } = setup();
    const { apiKey, key } = await createApiKey(deps, admin, { name: 'bot', permissions: ['invoices:read'] }, 'test');
    const result = await authenticateApiKey(deps, key, 'test');
    expect(result).toEqual({
      actor: {
        userId: apiKey.id,
        accountId: 'acc_1',
        superAdmin: false,
        permissions: ['invoices:read'],
        apiKeyId: apiKey.id,
      },
    });
    expect(userActor((result as { actor: Actor }).actor)).toEqual({ type: 'apiKey', id: apiKey.id });
    expect(userActor(admin)).toEqual({ type: 'user', id: 'usr_1' });
  });

  test('lastUsedAt is written on first use, then at most once a minute', async () => {
    const { deps, apiKeys, advance } = setup();
    const { apiKey, key } = await createApiKey(deps, admin, { name: 'bot', role: 'superAdmin' }, 'test');
    for (let i = 0; i < 5; i++) {
      await authenticateApiKey(deps, key, 'test');
      advance(10_000); // 50 s in all
    }
    expect(apiKeys.touches).toBe(1);
    advance(10_000);
    await authenticateApiKey(deps, key, 'test');
    expect(apiKeys.touches).toBe(2);
    expect(apiKeys.items.get(apiKey.id)!.lastUsedAt).toBe('2026-11-30T10:01:00.000Z');
  });

  test('a revoked, expired, tampered or other-mode key is refused, each for its reason', async () => {
    const { deps, advance } = setup();
    const a = await createApiKey(deps, admin, { name: 'a', permissions: ['crm:read'] }, 'live');
    const b = await createApiKey(
      deps,
      admin,
      { name: 'b', permissions: ['crm:read'], expiresAt: '2026-11-30T10:05:00Z' },
      'live',
    );
    expect(await authenticateApiKey(deps, a.key.replace('ik_live_', 'ik_test_'), 'live')).toEqual({
      refused: 'wrong mode',
    });
    const last = a.key.slice(-1);
    expect(await authenticateApiKey(deps, a.key.slice(0, -1) + (last === 'a' ? 'b' : 'a'), 'live')).toEqual({
      refused: 'unknown',
    });
    expect(await authenticateApiKey(deps, 'ik_live_nope', 'live')).toEqual({ refused: 'malformed' });
    await revokeApiKey(deps, admin, a.apiKey.id);
    expect(await authenticateApiKey(deps, a.key, 'live')).toEqual({ refused: 'revoked' });
    expect('actor' in (await authenticateApiKey(deps, b.key, 'live'))).toBe(true);
    advance(5 * 60_000);
    expect(await authenticateApiKey(deps, b.key, 'live')).toEqual({ refused: 'expired' });
  });

  test('nobody makes a key wider than themselves, and another account cannot revoke one', async () => {
    const { deps } = setup();
    const limited: Actor = { userId: 'usr_2', accountId: 'acc_1', superAdmin: false, permissions: ['settings:write'] };
    await expect(
      createApiKey(deps, limited, { name: 'x', permissions: ['invoices:write'] }, 'test'),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(createApiKey(deps, limited, { name: 'x', role: 'superAdmin' }, 'test')).rejects.toMatchObject({
      code: 'forbidden',
    });
    const { apiKey } = await createApiKey(deps, limited, { name: 'x', permissions: ['settings:write'] }, 'test');
    await expect(revokeApiKey(deps, { ...admin, accountId: 'acc_2' }, apiKey.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  test('the hasher is keyed: another pepper gives another hash; a malformed stored hash never matches', () => {
    const one = new HmacHasher('a'.repeat(32));
    const two = new HmacHasher('b'.repeat(32));
    const secret = one.newSecret();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(one.hash(secret)).not.toBe(two.hash(secret));
    expect(one.matches(secret, one.hash(secret))).toBe(true);
    expect(two.matches(secret, one.hash(secret))).toBe(false);
    expect(one.matches(secret, 'abc')).toBe(false);
    expect(() => new HmacHasher('short')).toThrow(/32/);
  });
});
