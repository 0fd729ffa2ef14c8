import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JwtVerifier } from './bearer-authorizer.js';

/**
 * Verifies JWTs against the issuer's published keys (fetched once, cached and refreshed by jose
 * when a new `kid` appears), as API Gateway's JWT authorizer did.
 */
export function jwksVerifier(opts: { jwksUrl: string; issuer: string; audience: string[] }): JwtVerifier {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: opts.issuer, audience: opts.audience });
      return payload;
    } catch {
      return null;
    }
  };
}
