import type { ApiKeyDeps, ApiKeyMode } from '../../domain/auth/api-keys.js';
import type { Env } from '../config/env.js';
import type { documentClient } from '../dynamodb/client.js';
import { DynamoApiKeyStore } from '../dynamodb/api-key-store.js';
import { HmacHasher } from './hmac-hasher.js';

/** The keyed hash's secret: from the environment locally, from Secrets Manager (once per cold start) in AWS. */
async function loadPepper(config: Env): Promise<string> {
  if (config.API_KEY_PEPPER) return config.API_KEY_PEPPER;
  if (!config.API_KEY_PEPPER_SECRET_ARN) throw new Error('Neither API_KEY_PEPPER nor API_KEY_PEPPER_SECRET_ARN is set');
  const { readSecret } = await import('./secret-reader.js');
  return readSecret(config.API_KEY_PEPPER_SECRET_ARN, config.AWS_REGION);
}

export type ApiKeyAdapters = { deps: () => Promise<Omit<ApiKeyDeps, 'ids' | 'clock'>>; mode: ApiKeyMode };

/** Built on first use; a failed load (Secrets Manager down) is not kept, so the next request tries again. */
export function apiKeyAdapters(config: Env, db: ReturnType<typeof documentClient>): ApiKeyAdapters {
  const apiKeys = new DynamoApiKeyStore(db, config.TABLE_NAME);
  let hasher: Promise<HmacHasher> | undefined;
  return {
    mode: config.API_KEY_MODE,
    deps: async () => {
      hasher ??= loadPepper(config).then((p) => new HmacHasher(p));
      try {
        return { apiKeys, hasher: await hasher };
      } catch (e) {
        hasher = undefined;
        throw e;
      }
    },
  };
}
