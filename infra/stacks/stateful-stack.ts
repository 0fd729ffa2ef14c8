import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../table-definition.js';

/**
 * What outlives a deployment: the table. Kept apart from the functions and the API so that a
 * stateless change (or tearing the API stack down) can never replace or delete data.
 */
export class StatefulStack extends Stack {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
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
      table.addGlobalSecondaryIndex({ indexName: g.indexName, partitionKey: key(g.partitionKey), sortKey: key(g.sortKey) });
    }
    this.table = table;
  }
}
