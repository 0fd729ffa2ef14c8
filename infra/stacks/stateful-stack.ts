import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../table-definition.js';

/** Where the PDF bucket's access logs go in the access log bucket, and how long they are kept. */
export const PDF_ACCESS_LOG_PREFIX = 'pdf-bucket/';
const ACCESS_LOG_DAYS = 365;

/** How long a stored document cannot be deleted or overwritten, unless CDK context `documentRetentionYears` says otherwise. */
export const DEFAULT_DOCUMENT_RETENTION_YEARS = 10;

export type StatefulStackProps = StackProps & {
  /** Object Lock retention of the document bucket, in whole years (GoBD asks 10 for invoices). */
  documentRetentionYears?: number;
};

/**
 * What outlives a deployment: the table and the PDF bucket. Kept apart from the functions and the
 * API so that a stateless change (or tearing the API stack down) can never replace or delete data.
 */
export class StatefulStack extends Stack {
  /** A Table, not an ITable: the stream consumer needs its stream ARN. */
  readonly table: Table;
  readonly pdfBucket: Bucket;
  /** The PDF bucket's server access logs: which PDF was fetched (a buyer's presigned link, say), when and by whom. */
  readonly accessLogBucket: Bucket;
  /** How long each issued document is locked for when it is stored (Object Lock, compliance mode). */
  readonly documentRetentionDays: number;

  constructor(scope: Construct, id: string, props?: StatefulStackProps) {
    super(scope, id, props);
    this.documentRetentionDays = (props?.documentRetentionYears ?? DEFAULT_DOCUMENT_RETENTION_YEARS) * 365;
    const d = TABLE_DEFINITION;
    // Every key attribute is a string: functions/dynamodb/keys.ts builds them all, and the local
    // runtime creates the same table with the same types.
    const key = (name: string) => ({ name, type: AttributeType.STRING });

    const table = new Table(this, 'Table', {
      partitionKey: key(d.partitionKey),
      sortKey: key(d.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: StreamViewType[d.stream],
      timeToLiveAttribute: d.timeToLiveAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      // Invoices are legal records: deleting the stack must leave the table behind.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const g of d.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: g.indexName,
        partitionKey: key(g.partitionKey),
        sortKey: key(g.sortKey),
      });
    }
    this.table = table;

    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // ACLs off: S3's log delivery is allowed by the bucket policy CDK adds for it.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // SSE-S3: log delivery cannot write to a bucket whose default key is a KMS one it may not use.
      encryption: BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Invoice PDFs (pdfs/<account>/<invoice>/v<version>-<status>.pdf). Never public: buyers get
    // presigned links that expire within 15 minutes.
    this.pdfBucket = new Bucket(this, 'PdfBucket', {
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: PDF_ACCESS_LOG_PREFIX,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // ACLs off: the bucket owner owns every object, and access is IAM (and the policy) only.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A bucket policy denies any request not over TLS.
      enforceSSL: true,
      // SSE-S3: presigned GETs need no KMS permissions (a KMS key would have to grant decrypt to
      // every signer) and the objects are encrypted at rest all the same.
      encryption: BucketEncryption.S3_MANAGED,
      // Each PDF version has its own key already; versioning guards against an overwrite or a
      // delete by mistake, and old versions go after a while.
      versioned: true,
      // Issued documents must not be rewritten (GoBD, the VAT directive's integrity rule): the
      // stream consumer puts each issued PDF with a compliance-mode lock of `documentRetentionDays`,
      // which no one, the root user included, can shorten or lift. The lock is per object, not a
      // bucket default, so exports (exports/…, personal data a user asked for once) stay deletable.
      // The lifecycle rule below cannot remove a locked version before its lock ends.
      objectLockEnabled: true,
      lifecycleRules: [
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // The PDFs of issued invoices are records too.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
