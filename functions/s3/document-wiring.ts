import type { DocumentStore } from '../../domain/ports.js';
import type { Env } from '../config/env.js';
import type { documentClient } from '../dynamodb/client.js';
import { DynamoPdfRecordStore } from '../dynamodb/pdf-record-store.js';
import { once, perProcess } from '../wiring.js';
import { cachedLogos } from './logo-cache.js';

/**
 * Documents: the PDF records and the bucket. The S3 store is loaded on first use (dynamic import):
 * a function that never signs a link never loads the S3 client. The Chromium renderer is not here:
 * only the stream function renders, and wiring it here would put puppeteer into every bundle using it.
 */
export function documentAdapters(config: Env, db: ReturnType<typeof documentClient>) {
  const store = once(async () => {
    if (!config.BUCKET_NAME) throw new Error('BUCKET_NAME is not set: this function has no PDF bucket');
    const { S3DocumentStore } = await import('./s3-document-store.js');
    return new S3DocumentStore({
      bucket: config.BUCKET_NAME,
      region: config.AWS_REGION,
      endpoint: config.S3_ENDPOINT,
      retentionDays: config.DOCUMENT_RETENTION_DAYS,
    });
  });
  const documents: DocumentStore = {
    put: async (key, body, contentType, options) => (await store()).put(key, body, contentType, options),
    get: async (key) => (await store()).get(key),
    signedUrl: async (key, seconds, options) => (await store()).signedUrl(key, seconds, options),
  };
  // Logos are read wherever an invoice is shown: through a cache, their keys name their content.
  return { pdfRecords: new DynamoPdfRecordStore(db, config.TABLE_NAME), documents, logos: cachedLogos(documents) };
}

/** The functions that read or write documents: invoices, buyer, index (export links), the export runner, the stream. */
export const documents = /* @__PURE__ */ perProcess(({ config, db }) => documentAdapters(config, db));
