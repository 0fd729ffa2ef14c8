import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExportJob } from '../domain/exports/invoice-exports.js';
import type { View } from '../domain/search/views.js';
import { DynamoInvoiceSearchIndex } from './dynamodb/invoice-search-index.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { perProcess } from './wiring.js';

/**
 * The adapters of the invoice index: the search indexes, saved views and export jobs. The export
 * files (CSV, XLSX with exceljs) are not here: only the export runner builds them
 * (functions/stream/export-stream.handler.ts).
 */
export function searchAdapters(db: DynamoDBDocumentClient, tableName: string) {
  return {
    search: new DynamoInvoiceSearchIndex(db, tableName),
    views: new DynamoRecordStore<View>(db, tableName, 'view'),
    exports: new DynamoRecordStore<ExportJob>(db, tableName, 'export'),
  };
}

/** For the index function and the export runner. */
export const searchIndex = /* @__PURE__ */ perProcess(({ db, config }) => searchAdapters(db, config.TABLE_NAME));
