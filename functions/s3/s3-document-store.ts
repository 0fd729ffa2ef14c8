import type { S3Client } from '@aws-sdk/client-s3';
import type { DocumentStore } from '../../domain/ports.js';

/** The contract's ceiling for a signed link: 15 minutes. */
export const MAX_LINK_SECONDS = 900;

export type S3DocumentStoreConfig = {
  bucket: string;
  region: string;
  /** Set only locally: the S3 emulator (s3rver), addressed path-style with its fixed dummy key. */
  endpoint?: string | undefined;
  /**
   * Days an issued document is locked for (Object Lock, compliance mode; the bucket has Object Lock
   * enabled). Unset locally: s3rver has no Object Lock.
   */
  retentionDays?: number | undefined;
  /** The signing clock; tests fix it to check a link's signature and expiry. */
  now?: () => Date;
};

/**
 * The S3 client and presigner, loaded on first use. Imported at the top, a bundler would hoist
 * them into the entry of every function that shares the wiring, and each would pay for loading
 * the S3 SDK at its cold start whether it ever touches the bucket or not.
 */
async function loadSdk() {
  const [s3, presigner] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
  return { ...s3, getSignedUrl: presigner.getSignedUrl };
}

/**
 * PDFs in S3, handed out as SigV4 presigned GET links. The same code runs against s3rver locally:
 * the links it makes there are real presigned URLs (s3rver only checks their expiry, so the tests
 * check the signature with the SDK's signer).
 */
export class S3DocumentStore implements DocumentStore {
  private sdk: Promise<{ sdk: Awaited<ReturnType<typeof loadSdk>>; client: S3Client }> | undefined;
  private readonly now: () => Date;

  constructor(private readonly config: S3DocumentStoreConfig) {
    this.now = config.now ?? (() => new Date());
  }

  private connect() {
    this.sdk ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: this.config.region,
        ...(this.config.endpoint
          ? {
              endpoint: this.config.endpoint,
              forcePathStyle: true,
              credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
            }
          : {}),
        maxAttempts: 3,
        // The SDK waits forever on a hung endpoint by default; a PDF put (tens of KB) takes well
        // under a second, so a stalled one fails its record for a retry instead of holding the
        // stream batch until the function's timeout.
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
      }),
    }));
    return this.sdk;
  }

  async put(key: string, body: Uint8Array, contentType: string, options: { issued?: boolean } = {}): Promise<void> {
    const { sdk, client } = await this.connect();
    const days = options.issued ? this.config.retentionDays : undefined;
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.config.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(days
          ? {
              ObjectLockMode: 'COMPLIANCE',
              ObjectLockRetainUntilDate: new Date(this.now().getTime() + days * 86_400_000),
            }
          : {}),
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | null> {
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : null;
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return null;
      throw e;
    }
  }

  async signedUrl(
    key: string,
    expiresInSeconds: number,
    options: { filename?: string } = {},
  ): Promise<{ url: string; expiresAt: string }> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_LINK_SECONDS) {
      throw new RangeError(`a signed link lives 1 to ${MAX_LINK_SECONDS} seconds, not ${expiresInSeconds}`);
    }
    const { sdk, client } = await this.connect();
    // X-Amz-Date has whole seconds; expiresAt is computed from the same truncated instant.
    const signingDate = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const filename = options.filename?.replace(/[^A-Za-z0-9._-]/g, '_');
    const command = new sdk.GetObjectCommand({
      Bucket: this.config.bucket,
      Key: key,
      ...(filename ? { ResponseContentDisposition: `inline; filename="${filename}"` } : {}),
    });
    const url = await sdk.getSignedUrl(client, command, { expiresIn: expiresInSeconds, signingDate });
    return { url, expiresAt: new Date(signingDate.getTime() + expiresInSeconds * 1000).toISOString() };
  }
}
