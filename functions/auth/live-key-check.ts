import { useKey } from '../../domain/auth/api-keys.js';
import { env } from '../config/env.js';
import type { DynamoApiKeyStore } from '../dynamodb/api-key-store.js';
import { once } from '../once.js';

/**
 * The key store, loaded with the first request made with a key: a function serving only JWTs (or
 * only public routes, as the docs function) never loads it, nor the DynamoDB SDK through it.
 */
const keyStore = once(async (): Promise<DynamoApiKeyStore> => {
  const [{ documentClient, tableConfig }, { DynamoApiKeyStore }] = await Promise.all([
    import('../dynamodb/client.js'),
    import('../dynamodb/api-key-store.js'),
  ]);
  const config = env();
  return new DynamoApiKeyStore(documentClient(tableConfig(config)), config.TABLE_NAME);
});

/**
 * Whether an API key may still be used, read strongly consistent. API Gateway caches the
 * authorizer's answer per Authorization header; this one key lookup per request made with a key
 * is what makes a revocation (or an expiry) take effect on the very next request all the same.
 * Only requests made with a key pay for it; JWT requests do not.
 */
export async function keyIsLive(id: string, now: Date): Promise<boolean> {
  const apiKeys = await keyStore();
  const key = await apiKeys.get(id);
  // Also keeps lastUsedAt (to the minute) while the authorizer's answer is cached.
  return key !== null && (await useKey({ apiKeys, clock: { now: () => now } }, key)) === 'ok';
}
