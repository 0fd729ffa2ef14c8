import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deal, Product, Quote } from '../domain/crm/sales-records.js';
import { DynamoInvoiceLinkIndex } from './dynamodb/invoice-links.js';
import { DynamoRecordStore } from './dynamodb/record-store.js';
import { perProcess } from './wiring.js';

/** The adapters of deals, quotes, products and the record → invoices links. */
export function crmAdapters(db: DynamoDBDocumentClient, tableName: string) {
  return {
    deals: new DynamoRecordStore<Deal>(db, tableName, 'deal'),
    quotes: new DynamoRecordStore<Quote>(db, tableName, 'quote'),
    products: new DynamoRecordStore<Product>(db, tableName, 'product'),
    links: new DynamoInvoiceLinkIndex(db, tableName),
  };
}

/** For the CRM functions, the invoices function (creating from deals and quotes) and the recurring job. */
export const crm = /* @__PURE__ */ perProcess(({ db, config }) => crmAdapters(db, config.TABLE_NAME));
