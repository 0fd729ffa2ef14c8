import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { pdfKey } from '../../domain/documents/pdf-key.js';
import { PDF_PREFIX } from '../../infra/stacks/grants.js';
import { PDF_ACCESS_LOG_PREFIX } from '../../infra/stacks/stateful-stack.js';
import { TABLE_DEFINITION } from '../../infra/table-definition.js';
import { logicalId, resourcesOf, synthApp, type Statement } from './synth-app.js';

const { stateful, statefulTemplate: template, apiTemplate } = synthApp();
const d = TABLE_DEFINITION;

describe('the table', () => {
  test('the table, the PDF bucket and its access log bucket are the only stateful resources, and they live only in the stateful stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    // Nothing stateless here (CDK's version-reporting metadata aside): redeploying functions and
    // the API must never touch this stack.
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t !== 'AWS::CDK::Metadata').sort()).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::S3::BucketPolicy',
    ]);
    apiTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
    apiTemplate.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    apiTemplate.resourceCountIs('AWS::S3::Bucket', 0);
  });

  test('has the key schema of TABLE_DEFINITION, all keys strings', () => {
    const gsiKeys = d.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]);
    const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
    const props = table!.Properties as { AttributeDefinitions: { AttributeName: string; AttributeType: string }[] };
    // Exactly the key attributes: an extra definition would be rejected by CloudFormation.
    expect(props.AttributeDefinitions).toHaveLength(2 + gsiKeys.length);
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        [d.partitionKey, d.sortKey, ...gsiKeys].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      ),
    );
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: d.partitionKey, KeyType: 'HASH' },
        { AttributeName: d.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  test('has every GSI of TABLE_DEFINITION (the sparse past-due gsi2, recurring gsi7 and reminders gsi8 among them), projecting all attributes', () => {
    expect(d.globalSecondaryIndexes.map((g) => g.indexName)).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
      'gsi4',
      'gsi5',
      'gsi6',
      'gsi7',
      'gsi8',
    ]);
    const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
    expect((table!.Properties!.GlobalSecondaryIndexes as unknown[]).length).toBe(d.globalSecondaryIndexes.length);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: d.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        // The local runtime projects ALL too; list reads return whole items from the index.
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  test('is on-demand, recoverable, encrypted, streams both images and expires items by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      ProvisionedThroughput: Match.absent(),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: d.stream },
      TimeToLiveSpecification: { AttributeName: d.timeToLiveAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(d.stream).toBe('NEW_AND_OLD_IMAGES');
  });

  test('survives stack deletion and replacement', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('the PDF bucket', () => {
  const bucketId = logicalId(stateful, stateful.pdfBucket);
  const bucket = resourcesOf(template, 'AWS::S3::Bucket')[bucketId]!;
  const props = bucket.Properties!;

  test('blocks every kind of public access and disables ACLs', () => {
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(props.AccessControl).toBeUndefined();
    expect(props.WebsiteConfiguration).toBeUndefined();
  });

  test('its policy denies every request not made over TLS, on the bucket and its objects, and allows nothing', () => {
    const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).filter(
      (p) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
    // A bucket policy that allowed anything would be a second way in beside IAM.
    expect(statements.filter((s) => s.Effect !== 'Deny')).toEqual([]);
    const tls = statements.find(
      (s) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );
    expect(tls).toMatchObject({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' } });
    expect(tls!.Resource).toEqual([
      { 'Fn::GetAtt': [bucketId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
    ]);
  });

  test('encrypts objects at rest', () => {
    const rules = (
      props.BucketEncryption as {
        ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
      }
    ).ServerSideEncryptionConfiguration;
    expect(rules).toHaveLength(1);
    expect(['AES256', 'aws:kms', 'aws:kms:dsse']).toContain(rules[0]!.ServerSideEncryptionByDefault.SSEAlgorithm);
  });

  test('has Object Lock (which needs versioning) without a bucket-wide default: each issued PDF is locked as it is stored, exports are not', () => {
    expect(props.ObjectLockEnabled).toBe(true);
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((props.ObjectLockConfiguration as { Rule?: unknown } | undefined)?.Rule).toBeUndefined();
  });

  /** The retention the stream consumer stores issued PDFs with, in days (its DOCUMENT_RETENTION_DAYS). */
  const retentionDays = (synth: ReturnType<typeof synthApp>) => {
    const fn = resourcesOf(synth.apiTemplate, 'AWS::Lambda::Function')[
      logicalId(synth.api, synth.api.streamConsumer.fn)
    ]!.Properties! as { Environment: { Variables: Record<string, unknown> } };
    return fn.Environment.Variables.DOCUMENT_RETENTION_DAYS;
  };

  test('issued PDFs are locked 10 years by default, or as CDK context documentRetentionYears says; a bad value is refused', () => {
    expect(retentionDays(synthApp())).toBe(String(10 * 365));
    expect(retentionDays(synthApp({ context: { documentRetentionYears: 7 } }))).toBe(String(7 * 365));
    // `cdk synth -c documentRetentionYears=8` passes a string.
    expect(retentionDays(synthApp({ context: { documentRetentionYears: '8' } }))).toBe(String(8 * 365));
    expect(() => synthApp({ context: { documentRetentionYears: 'ten' } })).toThrow(/documentRetentionYears/);
    expect(() => synthApp({ context: { documentRetentionYears: 0 } })).toThrow(/documentRetentionYears/);
  });

  test('PDF keys are per version and status, so a re-render never overwrites an issued document', () => {
    const base = { accountId: 'acc_1', id: 'inv_1' };
    const keys = new Set([
      pdfKey({ ...base, version: 2, status: 'open' }),
      pdfKey({ ...base, version: 3, status: 'open' }),
      pdfKey({ ...base, version: 4, status: 'paid' }),
    ]);
    expect(keys.size).toBe(3);
  });

  test('is versioned, expires noncurrent versions and never the current ones', () => {
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = (props.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const noncurrent = rules.filter((r) => r.Status === 'Enabled' && r.NoncurrentVersionExpiration);
    expect(noncurrent).toHaveLength(1);
    const days = (noncurrent[0]!.NoncurrentVersionExpiration as { NoncurrentDays: number }).NoncurrentDays;
    expect(days).toBeGreaterThanOrEqual(30);
    expect(days).toBeLessThanOrEqual(365);
    // The PDFs of issued invoices are records: no rule expires current objects.
    for (const r of rules) {
      expect(r.ExpirationInDays).toBeUndefined();
      expect(r.ExpirationDate).toBeUndefined();
    }
    expect(
      rules.some(
        (r) => (r.AbortIncompleteMultipartUpload as { DaysAfterInitiation?: number } | undefined)?.DaysAfterInitiation,
      ),
    ).toBe(true);
  });

  test('survives stack deletion and replacement', () => {
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('PDF keys start with the prefix every S3 grant is limited to', () => {
    expect(PDF_PREFIX).toBe('pdfs/');
    expect(pdfKey({ accountId: 'acc_1', id: 'inv_1', version: 3, status: 'open' }).startsWith(PDF_PREFIX)).toBe(true);
  });
});

describe('the access log bucket', () => {
  const pdfBucketId = logicalId(stateful, stateful.pdfBucket);
  const logBucketId = logicalId(stateful, stateful.accessLogBucket);
  const logBucket = resourcesOf(template, 'AWS::S3::Bucket')[logBucketId]!;
  const policyOf = (bucketId: string) =>
    Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'))
      .filter((p) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: bucketId }))
      .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);

  test("receives the PDF bucket's server access logs under their prefix", () => {
    expect(resourcesOf(template, 'AWS::S3::Bucket')[pdfBucketId]!.Properties!.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logBucketId },
      LogFilePrefix: PDF_ACCESS_LOG_PREFIX,
    });
  });

  test('blocks public access, disables ACLs, encrypts with SSE-S3, and keeps logs a year (surviving the stack)', () => {
    expect(logBucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 365 }] },
    });
    expect(logBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('its policy denies requests not over TLS and allows only S3 log delivery, for the PDF bucket of this account, to put objects under the prefix', () => {
    const statements = policyOf(logBucketId);
    expect(statements.find((s) => s.Effect === 'Deny')).toMatchObject({
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logBucketId, 'Arn'] }, `/${PDF_ACCESS_LOG_PREFIX}*`]] },
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [pdfBucketId, 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
  });
});
