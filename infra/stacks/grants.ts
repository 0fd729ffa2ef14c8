import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { LOGO_PREFIX } from '../../domain/settings/seller-logo.js';
import type { TableDefinition } from '../table-definition.js';

/**
 * The item operations the adapters in functions/dynamodb use (TransactWriteItems is authorized
 * per contained operation). Deliberately no Scan: no request path may scan, and IAM enforces it.
 * test/infra/api-stack.test.ts fails if an adapter starts using a command not covered here.
 */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
] as const;

/** What a function that only reads (the buyer page) may do: key lookups and Query. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

/**
 * Where the PDFs live in the bucket (domain/documents/pdf-key.ts builds the keys; a test checks
 * they start with this). Every S3 grant is limited to it.
 */
export const PDF_PREFIX = 'pdfs/';

/**
 * Where the sellers' logos live (domain/settings/seller-logo.ts `logoKey`): the settings function
 * writes there; the functions that show an invoice (preview, buyer page, PDF) read there.
 */
export { LOGO_PREFIX } from '../../domain/settings/seller-logo.js';

/**
 * Where export files live (domain/exports/invoice-exports.ts `exportFileKey`): the export runner
 * writes there, the index function presigns links there, nothing else touches it.
 */
export const EXPORT_PREFIX = 'exports/';

/** The search indexes (functions/dynamodb/keys.ts SEARCH_INDEX): the index function and the export runner query them. */
export const SEARCH_INDEXES = ['gsi3', 'gsi4', 'gsi5', 'gsi6'] as const satisfies readonly IndexName[];

/** Search reads a contact's or company's invoices in hundreds (BatchGetItem), beside TABLE_ACTIONS. */
export const BATCH_READ_ACTIONS = ['dynamodb:BatchGetItem'] as const;

/** The SES actions sending one message needs (SES v2 SendEmail is authorized as either). */
export const SES_SEND_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

export type IndexName = TableDefinition['globalSecondaryIndexes'][number]['indexName'];

/**
 * Item actions on the table, and Query on the named indexes only, each by its own ARN: unlike
 * Table.grant, never on `<table>/index/*`, so a function cannot read through an index it does
 * not use (the sparse past-due index, or any index added later).
 */
export function grantTableAccess(
  grantee: IGrantable,
  table: ITable,
  actions: readonly string[],
  indexes: readonly IndexName[],
) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }),
  );
  if (indexes.length) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: indexes.map((i) => `${table.tableArn}/index/${i}`),
      }),
    );
  }
}

/**
 * What a function that renders documents may do in the bucket: put PDFs and e-invoices, each with
 * its retention lock, only under their prefix; read the sellers' logos it prints, never write them.
 */
export function grantDocumentRendering(grantee: IGrantable, bucket: IBucket) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:PutObject', 's3:PutObjectRetention'],
      resources: [bucket.arnForObjects(`${PDF_PREFIX}*`)],
    }),
  );
  grantLogoReads(grantee, bucket);
}

/** The sellers' logos, read to show them (documents, emails); nothing else in the bucket. */
export function grantLogoReads(grantee: IGrantable, bucket: IBucket) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${LOGO_PREFIX}*`)] }),
  );
}
