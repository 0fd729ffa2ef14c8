import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BACKFILL_FUNCTION_ENTRY } from '../routes.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/**
 * The backfills of stored data (functions/backfills/backfills.ts), as a function invoked by hand
 * after a deploy (`aws lambda invoke … --payload '{"name":"reminders-index"}'`), again until it
 * answers `done: true`: each run resumes from the checkpoint kept in the table. Not scheduled,
 * and not reachable from the API. It is the one function that may Scan the table: items written
 * before a key existed have no index to be found by.
 */
export class BackfillFunction extends Construct {
  readonly fn: ServiceFunction;

  constructor(scope: Construct, id: string, props: { table: ITable; publicBaseUrl: string }) {
    super(scope, id);
    this.fn = serviceFunction(this, 'Backfill', {
      entry: BACKFILL_FUNCTION_ENTRY,
      description: 'Backfills stored items with new keys and fields (invoked by hand; resumable)',
      timeout: Duration.minutes(15),
      // functions/config/env.ts wants the public URL of every function, though no backfill builds a link yet.
      environment: { TABLE_NAME: props.table.tableName, PUBLIC_BASE_URL: props.publicBaseUrl },
    });
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    new CfnOutput(this, 'BackfillFunctionName', {
      value: this.fn.functionName,
      description: 'Invoke with {"name": "<backfill>"} (or {} for all) until it answers done: true',
    });
  }
}
