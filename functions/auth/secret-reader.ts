import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret's string from Secrets Manager (loaded only by functions that need one, at their cold start). */
export async function readSecret(secretId: string, region: string): Promise<string> {
  const out = await new SecretsManagerClient({ region }).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`The secret ${secretId} is empty`);
  return out.SecretString.trim();
}
