import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { TABLE_DEFINITION } from '../../infra/table-definition.js';
import { resourcesOf, synthApp } from './synth-app.js';

const { statefulTemplate: template, apiTemplate } = synthApp();
const d = TABLE_DEFINITION;

describe('the table', () => {
  test('is the only stateful resource, and it lives only in the stateful stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    // Nothing stateless here (CDK's version-reporting metadata aside): redeploying functions and
    // the API must never touch this stack.
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t !== 'AWS::CDK::Metadata')).toEqual(['AWS::DynamoDB::Table']);
    apiTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
    apiTemplate.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  test('has the key schema of TABLE_DEFINITION, all keys strings', () => {
    const gsiKeys = d.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]);
    const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
    const props = table!.Properties as { AttributeDefinitions: { AttributeName: string; AttributeType: string }[] };
    // Exactly the key attributes: an extra definition would be rejected by CloudFormation.
    expect(props.AttributeDefinitions).toHaveLength(2 + gsiKeys.length);
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining([d.partitionKey, d.sortKey, ...gsiKeys].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    );
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: d.partitionKey, KeyType: 'HASH' },
        { AttributeName: d.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  test('has every GSI of TABLE_DEFINITION, projecting all attributes', () => {
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
