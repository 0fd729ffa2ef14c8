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

/**
 * Verifies a bearer token and returns its claims the way API Gateway hands them to a function:
 * every value a string, arrays flattened to "[a b]". Null for a missing or bad token.
 */
export async function verifyBearer(
  keys: SigningKeys,
  authorization: string | undefined,
): Promise<Record<string, string> | null> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return null;
  try {
    const { payload } = await jwtVerify(m[1]!, keys.publicKey, {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      algorithms: ['ES256'],
    });
    return Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [
        k,
        Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    );
  } catch {
    return null;
  }
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
