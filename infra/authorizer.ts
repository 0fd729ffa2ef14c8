/**
 * How long API Gateway keeps the authorizer's answer for one Authorization header. Within it a
 * JWT or key is not re-verified (no JWKS fetch, no hash); a revoked key is still refused at once,
 * because the functions re-check keys themselves (functions/auth/live-key-check.ts). The local
 * API server caches the same way, so the integration tests go through the same two steps.
 */
export const AUTHORIZER_CACHE_SECONDS = 300;

/** The header the cache is keyed on, and the authorizer's only input. */
export const AUTHORIZER_IDENTITY_SOURCE = '$request.header.Authorization';
