import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { PERMISSIONS, type Permission } from '../../domain/auth/actor.js';
import { apiKeyAdapters, type ApiKeyAdapters } from '../../functions/auth/api-key-wiring.js';
import { bearerAuthorizer, type AuthContext, type JwtVerifier } from '../../functions/auth/bearer-authorizer.js';
import { env } from '../../functions/config/env.js';
import { documentClient } from '../../functions/dynamodb/client.js';

/**
 * Locally the server plays API Gateway's JWT authorizer: tokens are ES256 JWTs signed with a key
 * kept in the data folder (so printed tokens survive a restart), checked with jose.
 */
export const LOCAL_ISSUER = 'https://auth.invoice-service.local/';
export const LOCAL_AUDIENCE = 'invoice-api';

export type SigningKeys = { privateKey: CryptoKey; publicKey: CryptoKey; kid: string };

export async function newSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicKey, kid: 'local-1' };
}

/** Loads the signing key from `file`, creating it on first use. */
export async function loadSigningKeys(file: string): Promise<SigningKeys> {
  if (!existsSync(file)) {
    const keys = await newSigningKeys();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        kid: keys.kid,
        private: await exportJWK(keys.privateKey),
        public: await exportJWK(keys.publicKey),
      }),
      { mode: 0o600 },
    );
    return keys;
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; private: JWK; public: JWK };
  return {
    kid: stored.kid,
    privateKey: (await importJWK(stored.private, 'ES256')) as CryptoKey,
    publicKey: (await importJWK(stored.public, 'ES256')) as CryptoKey,
  };
}

/**
 * The secret of the API keys' keyed hash, kept in the data folder beside the JWT key (so keys
 * made before a restart still work), created on first use.
 */
export function loadApiKeyPepper(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const pepper = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, pepper, { mode: 0o600 });
  return pepper;
}

export type TokenRequest = {
  accountId: string;
  sub?: string;
  role?: 'superAdmin';
  permissions?: Permission[];
  expiresIn?: string;
};

export async function mintToken(keys: SigningKeys, req: TokenRequest): Promise<string> {
  const claims: JWTPayload = { accountId: req.accountId };
  if (req.role) claims.role = req.role;
  if (req.permissions) claims.permissions = req.permissions;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
    .setSubject(req.sub ?? 'usr_local')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(req.expiresIn ?? '7d')
    .sign(keys.privateKey);
}

/** Verifies a JWT signed with the local key (issuer, audience, expiry); null for a bad one. */
export function localJwtVerifier(keys: SigningKeys): JwtVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys.publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ['ES256'],
      });
      return payload;
    } catch {
      return null;
    }
  };
}

/**
 * The local Lambda authorizer: the very code the AWS one runs (functions/auth/bearer-authorizer.ts),
 * with the local JWT key and `ik_test_` API keys. Its adapters are built on the first request,
 * from the environment the handlers see (the table is named only once the runtime has started).
 */
export function localAuthorizer(keys: SigningKeys): (authorization: string | undefined) => Promise<AuthContext | null> {
  let authorize: ((authorization: string | undefined) => Promise<AuthContext | null>) | undefined;
  return (authorization) => {
    if (!authorize) {
      const config = env();
      const adapters: ApiKeyAdapters = apiKeyAdapters(
        config,
        documentClient({ tableName: config.TABLE_NAME, endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
      );
      authorize = bearerAuthorizer({
        verifyJwt: localJwtVerifier(keys),
        apiKeys: adapters.deps,
        mode: adapters.mode,
        clock: { now: () => new Date() },
      });
    }
    return authorize(authorization);
  };
}

export function parsePermissions(list: string): Permission[] {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (bad.length) throw new Error(`Unknown permission(s): ${bad.join(', ')}. Known: ${PERMISSIONS.join(', ')}`);
  return items as Permission[];
}
