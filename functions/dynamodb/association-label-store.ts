import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_ASSOCIATION_LABELS, type AssociationLabel } from '../../domain/labels/association-label.js';
import { LabelInUse, LabelLimitReached, type AssociationLabelStore, type Page } from '../../domain/ports.js';
import { cancellationReasons, isConditionFailure } from './dynamo-errors.js';
import { notFound } from '../../domain/errors.js';
import { collections, INVOICE_LINK_PREFIX, keys } from './keys.js';
import { DynamoRecordStore } from './record-store.js';

const KIND = 'associationLabel';

/**
 * Association labels: one item each (listed through gsi1 like other records), a per-account
 * counter that the create and delete transactions move (the limit as a condition on it), and, in
 * each label's partition, the link items of the invoices that name it (functions/dynamodb/invoice-links.ts).
 */
export class DynamoAssociationLabelStore implements AssociationLabelStore {
  private readonly records: DynamoRecordStore<AssociationLabel>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.records = new DynamoRecordStore<AssociationLabel>(db, tableName, KIND);
  }

  get(accountId: string, id: string): Promise<AssociationLabel | null> {
    return this.records.get(accountId, id);
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<AssociationLabel>> {
    return this.records.list(accountId, limit, cursor);
  }

  async create(label: AssociationLabel): Promise<AssociationLabel> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.associationLabelCounter(label.accountId),
                UpdateExpression: 'ADD #n :one',
                ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: { ':one': 1, ':max': MAX_ASSOCIATION_LABELS },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...label,
                  ...keys.record(label.accountId, KIND, label.id),
                  gsi1pk: collections.records(label.accountId, KIND),
                  gsi1sk: label.id,
                  entity: KIND,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return label;
    } catch (e) {
      if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') throw new LabelLimitReached();
      throw e;
    }
  }

  /**
   * Marks the label as being deleted (from then on no invoice write can add it: the check in its
   * transaction fails), then looks for an invoice naming it: if there is one the mark is taken off
   * and the delete refused; if not, the label and its count go in one transaction. An invoice that
   * added the label before the mark has its link item by then, so one of the two always loses.
   */
  async remove(label: AssociationLabel, now: string): Promise<void> {
    const key = keys.record(label.accountId, KIND, label.id);
    // A concurrent delete got there first: the label is gone either way.
    const gone = () => notFound('Association label', label.id);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #deleting = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#deleting': 'deletingSince' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw gone();
      throw e;
    }
    const used = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': key.pk, ':prefix': INVOICE_LINK_PREFIX },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    if (used.Items?.length) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'REMOVE #deleting',
          ExpressionAttributeNames: { '#deleting': 'deletingSince' },
        }),
      );
      throw new LabelInUse();
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            // Conditional, so two deletes at once count the label down once.
            { Delete: { TableName: this.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.associationLabelCounter(label.accountId),
                UpdateExpression: 'ADD #n :minus',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: { ':minus': -1 },
              },
            },
          ],
        }),
      );
    } catch (e) {
      if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') throw gone();
      throw e;
    }
  }
}
