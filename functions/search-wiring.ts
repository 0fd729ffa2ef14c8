import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExportJob } from '../domain/exports/invoice-exports.js';
import type { View } from '../domain/search/views.js';
import { DynamoInvoiceSearchIndex } from './dynamodb/invoice-search-index.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { exportFiles } from './exports/export-files.js';

/** The adapters of the invoice index: the search indexes, saved views, export jobs and their files. */
export function searchAdapters(db: DynamoDBDocumentClient, tableName: string) {
  return {
    search: new DynamoInvoiceSearchIndex(db, tableName),
    views: new DynamoRecordStore<View>(db, tableName, 'view'),
    exports: new DynamoRecordStore<ExportJob>(db, tableName, 'export'),
    files: exportFiles,
  };
}
