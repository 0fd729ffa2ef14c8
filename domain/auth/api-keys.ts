import * as z from 'zod';
import { DomainError, fieldError, notFound } from '../errors.js';
import type { Clock, IdGenerator, Page } from '../ports.js';
import { PERMISSIONS, can, type Actor, type Permission } from './actor.js';

/**
 * API keys: credentials of a program, not of a person. A key is `ik_<mode>_<keyId>_<secret>`;
 * only a keyed hash of the secret is stored, so a copy of the table does not hold usable keys.
 */
export const API_KEY_MODES = ['live', 'test'] as const;
export type ApiKeyMode = (typeof API_KEY_MODES)[number];

/** `lastUsedAt` is written at most this often per key, so a busy key does not write on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export const apiKeyInput = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(100),
    permissions: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length).optional(),
    role: z.literal('superAdmin').optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.permissions === undefined) === (v.role === undefined))
      ctx.addIssue({ code: 'custom', path: ['permissions'], message: 'give either permissions or role, not both' });
  });
export type ApiKeyInput = z.infer<typeof apiKeyInput>;

/** What the API shows of a key: never the secret or its hash, only its last 4 characters. */
export type ApiKey = {
  id: string;
  accountId: string;
  name: string;
  permissions: Permission[];
  role: 'superAdmin' | null;
  last4: string;
  createdAt: string;
  /** The user (or key) that made it. */
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

export type StoredApiKey = ApiKey & { hash: string };

/** The keyed hash of a key's secret (an HMAC with a secret of the service's), compared in constant time. */
export interface SecretHasher {
  hash(secret: string): string;
  /** True if `secret` hashes to `hash`; takes the same time whatever the two have in common. */
  matches(secret: string, hash: string): boolean;
  /** A new random secret. */
  newSecret(): string;
}

/**
 * Keys are found by id alone (the authorizer knows no account before it finds the key), so they
 * live outside any account's partition; each names its account, and every change checks it.
 */
export interface ApiKeyStore {
  create(key: StoredApiKey): Promise<void>;
  /** A strongly consistent read: a key revoked a moment ago is seen revoked. */
  get(id: string): Promise<StoredApiKey | null>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<ApiKey>>;
  /** Marks the key revoked if it is the account's and not yet revoked; returns it as it now stands, or null if not the account's. */
  revoke(accountId: string, id: string, at: string): Promise<ApiKey | null>;
  /** Sets `lastUsedAt` to `at` unless it is already later than `notBefore` (a conditional write). */
  touch(id: string, at: string, notBefore: string): Promise<void>;
}

export type ApiKeyDeps = { apiKeys: ApiKeyStore; hasher: SecretHasher; clock: Clock; ids: IdGenerator };

const KEY_SHAPE = /^ik_(live|test)_([0-9A-Za-z]{1,40})_([0-9a-f]{64})$/;

export const looksLikeApiKey = (token: string) => /^ik_(live|test)_/.test(token);

export function parseApiKey(token: string): { mode: ApiKeyMode; id: string; secret: string } | null {
  const m = KEY_SHAPE.exec(token);
  return m ? { mode: m[1] as ApiKeyMode, id: `key_${m[2]!}`, secret: m[3]! } : null;
}

export const present = ({ hash: _hash, ...key }: StoredApiKey): ApiKey => key;

/**
 * Makes a key and returns it with its secret, the only time the secret is seen. Nobody hands out
 * more than they hold: a key's permissions must all be the caller's own (a superAdmin key needs a
 * superAdmin caller), so a restricted key with `settings:write` cannot mint a wider one.
 */
export async function createApiKey(
  deps: ApiKeyDeps,
  actor: Actor,
  input: ApiKeyInput,
  mode: ApiKeyMode,
): Promise<{ apiKey: ApiKey; key: string }> {
  const now = deps.clock.now();
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime())
    throw fieldError('expiresAt', 'must be in the future');
  const wanted: Permission[] = input.role ? [...PERMISSIONS] : [...new Set(input.permissions)];
  if (input.role && !actor.superAdmin)
    throw new DomainError('forbidden', 'Only a super admin can make a superAdmin key');
  const missing = wanted.filter((p) => !can(actor, p));
  if (missing.length)
    throw new DomainError('forbidden', `A key cannot have permissions its maker lacks: ${missing.join(', ')}`);
  const id = deps.ids.id('key');
  const secret = deps.hasher.newSecret();
  const key = `ik_${mode}_${id.slice('key_'.length)}_${secret}`;
  const stored: StoredApiKey = {
    id,
    accountId: actor.accountId,
    name: input.name,
    permissions: input.role ? [] : wanted,
    role: input.role ?? null,
    last4: key.slice(-4),
    createdAt: now.toISOString(),
    createdBy: actor.apiKeyId ?? actor.userId,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    revokedAt: null,
    lastUsedAt: null,
    hash: deps.hasher.hash(secret),
  };
  await deps.apiKeys.create(stored);
  return { apiKey: present(stored), key };
}

export async function revokeApiKey(deps: ApiKeyDeps, actor: Actor, id: string): Promise<void> {
  const revoked = await deps.apiKeys.revoke(actor.accountId, id, deps.clock.now().toISOString());
  if (!revoked) throw notFound('API key', id);
}

/** Why a key is refused: the authorizer logs it, the caller only ever sees a 401. */
export type KeyRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'wrong mode';

/** The key's standing at `now`: usable, or why not. */
export function keyStanding(key: ApiKey, now: Date): 'ok' | 'revoked' | 'expired' {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return 'expired';
  return 'ok';
}

/**
 * A key about to be used: its standing now, and (when usable) `lastUsedAt` brought up to date if
 * it is over a minute old. The write is conditional, so however many requests and functions use
 * the key at once, it is written at most once a minute.
 */
export async function useKey(
  deps: Pick<ApiKeyDeps, 'apiKeys' | 'clock'>,
  key: ApiKey,
): Promise<'ok' | 'revoked' | 'expired'> {
  const now = deps.clock.now();
  const standing = keyStanding(key, now);
  if (standing !== 'ok') return standing;
  const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  if (!key.lastUsedAt || Date.parse(key.lastUsedAt) <= stale.getTime()) {
    // Best effort: a lost race (another request wrote it) or a failed write must not refuse the key.
    await deps.apiKeys.touch(key.id, now.toISOString(), stale.toISOString()).catch(() => undefined);
  }
  return 'ok';
}

export const actorOfKey = (key: ApiKey): Actor => ({
  userId: key.id,
  accountId: key.accountId,
  superAdmin: key.role === 'superAdmin',
  permissions: key.permissions,
  apiKeyId: key.id,
});

/**
 * Checks a presented key: its secret against the stored hash (constant time), then revocation and
 * expiry. A key of the other mode (`ik_test_` in AWS) is refused. Records use at most once a minute.
 */
export async function authenticateApiKey(
  deps: Pick<ApiKeyDeps, 'apiKeys' | 'hasher' | 'clock'>,
  token: string,
  mode: ApiKeyMode,
): Promise<{ actor: Actor } | { refused: KeyRefusal }> {
  const parsed = parseApiKey(token);
  if (!parsed) return { refused: 'malformed' };
  if (parsed.mode !== mode) return { refused: 'wrong mode' };
  const key = await deps.apiKeys.get(parsed.id);
  // An unknown id still pays for one hash, so timing tells little about which ids exist.
  if (!key) {
    deps.hasher.matches(parsed.secret, '0'.repeat(64));
    return { refused: 'unknown' };
  }
  if (!deps.hasher.matches(parsed.secret, key.hash)) return { refused: 'unknown' };
  const standing = await useKey(deps, key);
  if (standing !== 'ok') return { refused: standing };
  return { actor: actorOfKey(key) };
}
