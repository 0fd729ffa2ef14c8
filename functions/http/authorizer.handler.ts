import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { bearerAuthorizer, type AuthContext } from '../auth/bearer-authorizer.js';
import { jwksVerifier } from '../auth/jwks-verifier.js';
import { env } from '../config/env.js';
import { logger } from '../observability/logger.js';
import { once } from '../once.js';

const config = env();
if (!config.JWT_ISSUER || !config.JWT_AUDIENCE) throw new Error('The authorizer needs JWT_ISSUER and JWT_AUDIENCE');

/**
 * The API keys' store and hasher, loaded with the first request made with a key: a cold start
 * serving JWTs never loads the DynamoDB SDK. A failed load is not kept; the next key tries again.
 */
const apiKeys = once(async () => {
  const [{ apiKeyAdapters }, { documentClient, tableConfig }] = await Promise.all([
    import('../auth/api-key-wiring.js'),
    import('../dynamodb/client.js'),
  ]);
  return apiKeyAdapters(config, documentClient(tableConfig(config)));
});

const authorize = bearerAuthorizer({
  verifyJwt: jwksVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE.split(',').map((a) => a.trim()),
    jwksUrl: config.JWT_JWKS_URL ?? new URL('.well-known/jwks.json', config.JWT_ISSUER.replace(/\/?$/, '/')).href,
  }),
  apiKeys: async () => (await apiKeys()).deps(),
  mode: config.API_KEY_MODE,
  clock: { now: () => new Date() },
});

/**
 * The HTTP API's Lambda authorizer (simple responses): a JWT from the issuer or one of the
 * service's API keys. API Gateway caches the answer per Authorization header; the functions
 * re-check API keys on every request (functions/auth/live-key-check.ts), so revocation is immediate.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthContext>> => {
  try {
    const context = await authorize(event.headers?.authorization);
    if (!context) return { isAuthorized: false, context: {} };
    return { isAuthorized: true, context };
  } catch (e) {
    // The table or Secrets Manager is down: thrown, so API Gateway answers 500 and caches nothing.
    logger.error('authorizer failed', { routeKey: event.routeKey, error: e as Error });
    throw e;
  }
};
