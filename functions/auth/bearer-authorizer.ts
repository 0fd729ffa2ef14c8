import type { JWTPayload } from 'jose';
import { authenticateApiKey, looksLikeApiKey, type ApiKeyDeps, type ApiKeyMode } from '../../domain/auth/api-keys.js';
import type { Actor } from '../../domain/auth/actor.js';
import type { Clock } from '../../domain/ports.js';

/**
 * What the authorizer hands the functions (API Gateway's `requestContext.authorizer.lambda`): the
 * caller as strings, arrays flattened to "[a b]" as the JWT authorizer did, and `apiKeyId` when
 * a key made the call, so the handler can re-check it (the authorizer's answer is cached).
 */
export type AuthContext = Record<string, string>;

/** Verifies a JWT (signature, issuer, audience, expiry); null for a bad one. */
export type JwtVerifier = (token: string) => Promise<JWTPayload | null>;

export type BearerAuthorizerDeps = {
  verifyJwt: JwtVerifier;
  apiKeys: () => Promise<Pick<ApiKeyDeps, 'apiKeys' | 'hasher'>>;
  mode: ApiKeyMode;
  clock: Clock;
};

const flatten = (v: unknown) => (Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? v : JSON.stringify(v));

export const contextOfKey = (actor: Actor): AuthContext => ({
  sub: actor.userId,
  accountId: actor.accountId,
  permissions: flatten(actor.permissions),
  ...(actor.superAdmin ? { role: 'superAdmin' } : {}),
  apiKeyId: actor.apiKeyId!,
});

/**
 * One authorizer for both credentials: `Bearer ik_…` is an API key, anything else a JWT. Null
 * means 401. The Lambda authorizer in AWS and the local API server both run this.
 */
export function bearerAuthorizer(deps: BearerAuthorizerDeps) {
  return async (authorization: string | undefined): Promise<AuthContext | null> => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const token = m[1]!;
    if (looksLikeApiKey(token)) {
      const result = await authenticateApiKey({ ...(await deps.apiKeys()), clock: deps.clock }, token, deps.mode);
      return 'actor' in result ? contextOfKey(result.actor) : null;
    }
    const payload = await deps.verifyJwt(token);
    if (!payload) return null;
    // A JWT never speaks for a key: only the key path sets apiKeyId.
    const { apiKeyId: _ignored, ...claims } = payload as Record<string, unknown>;
    return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, flatten(v)]));
  };
}
