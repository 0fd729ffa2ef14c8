import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { historyEntry } from '../../domain/audit/history.js';
import {
  EventAlreadyApplied,
  type CheckoutRecord,
  type IntentRef,
  type OnlinePaymentStore,
  type OnlineWrite,
} from '../../domain/payments/online-store.js';
import type { Payment } from '../../domain/payments/payment.js';
import type { PaymentSettings } from '../../domain/payments/payment-settings.js';
import { VersionConflict } from '../../domain/ports.js';
import { historyPut } from './audit-items.js';
import { isConditionFailure } from './dynamo-errors.js';
import type { DynamoInvoiceStore } from './invoice-store.js';
import { fromItem } from './items.js';
import { CHECKOUT_SK, keys } from './keys.js';
import { NumberedWriter, type TransactItem } from './number-series.js';

const CONDITION_FAILED = 'ConditionalCheckFailed';

/**
 * Online payments in DynamoDB: items beside their invoice, exactly as recorded payments are
 * (ledger-store.ts), each write ONE transaction with the invoice's new totals and the history
 * entry; plus the payment intent's guard, the payment's id reference and the processor event's mark.
 */
export class DynamoOnlinePaymentStore implements OnlinePaymentStore {
  private readonly writer: NumberedWriter;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly invoices: DynamoInvoiceStore,
  ) {
    this.writer = new NumberedWriter(db, tableName);
  }

  async write(w: OnlineWrite): Promise<void> {
    const { payment, previousPayment } = w;
    const put = (item: Record<string, unknown>, condition: Pick<TransactItem & object, never> & object = {}) => ({
      Put: { TableName: this.tableName, Item: item, ...condition },
    });
    const isNew = previousPayment === undefined;
    const items: { item: TransactItem; failure: () => Error }[] = [
      {
        item: put(
          { ...payment, ...keys.payment(payment.accountId, payment.invoiceId, payment.id), entity: 'payment' },
          isNew
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : previousPayment.version === undefined
              ? {
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#v)',
                  ExpressionAttributeNames: { '#v': 'version' },
                }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': previousPayment.version },
                },
        ) as TransactItem,
        failure: () => new VersionConflict(),
      },
    ];
    if (isNew && payment.online) {
      const guard: IntentRef = { accountId: payment.accountId, invoiceId: payment.invoiceId, paymentId: payment.id };
      items.push({
        item: put(
          { ...keys.paymentIntent(payment.online.processor.paymentIntentId), entity: 'paymentIntent', ...guard },
          { ConditionExpression: 'attribute_not_exists(pk)' },
        ) as TransactItem,
        failure: () => new VersionConflict(),
      });
    }
    if (isNew) {
      items.push({
        item: put(
          {
            ...keys.paymentRef(payment.accountId, payment.id),
            entity: 'paymentRef',
            accountId: payment.accountId,
            invoiceId: payment.invoiceId,
            paymentId: payment.id,
          },
          { ConditionExpression: 'attribute_not_exists(pk)' },
        ) as TransactItem,
        failure: () => new VersionConflict(),
      });
    }
    if (w.invoice) {
      const { previous, next, change } = w.invoice;
      items.push(
        { item: this.invoices.versionedPut(previous, next), failure: () => new VersionConflict() },
        {
          item: historyPut(this.tableName, historyEntry(change, previous, next), next.version),
          failure: () => new VersionConflict(),
        },
      );
    }
    if (w.eventId) {
      items.push({
        item: put(
          {
            ...keys.processorEvent(payment.accountId, payment.invoiceId, w.eventId),
            entity: 'processorEvent',
            paymentId: payment.id,
          },
          { ConditionExpression: 'attribute_not_exists(pk)' },
        ) as TransactItem,
        failure: () => new EventAlreadyApplied(),
      });
    }
    await this.writer.write({
      items: () => items.map((i) => i.item),
      ownFailure: (reasons) => {
        // The event's mark first: a repeat of an applied event is that, whatever else also failed.
        const marked = w.eventId && reasons[items.length - 1] === CONDITION_FAILED;
        if (marked) return new EventAlreadyApplied();
        const i = reasons.findIndex((r) => r === CONDITION_FAILED);
        return i >= 0 ? items[i]!.failure() : undefined;
      },
      busy: 'Too many payments are being recorded on this invoice at once; retry shortly',
    });
  }

  async byIntent(paymentIntentId: string): Promise<IntentRef | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.paymentIntent(paymentIntentId), ConsistentRead: true }),
    );
    return Item ? { accountId: Item.accountId, invoiceId: Item.invoiceId, paymentId: Item.paymentId } : null;
  }

  async getPayment(accountId: string, invoiceId: string, paymentId: string): Promise<Payment | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.payment(accountId, invoiceId, paymentId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<Payment>(Item) : null;
  }

  async paymentRef(accountId: string, paymentId: string): Promise<{ invoiceId: string } | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.paymentRef(accountId, paymentId), ConsistentRead: true }),
    );
    return Item ? { invoiceId: Item.invoiceId as string } : null;
  }

  async saveCheckout(record: CheckoutRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...record,
          ...keys.checkout(record.accountId, record.invoiceId, record.checkoutSessionId),
          entity: 'checkout',
        },
      }),
    );
  }

  async getCheckout(accountId: string, invoiceId: string, checkoutSessionId: string): Promise<CheckoutRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.checkout(accountId, invoiceId, checkoutSessionId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<CheckoutRecord>(Item) : null;
  }

  async openCheckouts(accountId: string, invoiceId: string): Promise<CheckoutRecord[]> {
    const out: CheckoutRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': keys.invoice(accountId, invoiceId).pk,
            ':prefix': CHECKOUT_SK,
            ':open': 'open',
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => fromItem<CheckoutRecord>(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async closeCheckout(record: CheckoutRecord): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.checkout(record.accountId, record.invoiceId, record.checkoutSessionId),
        UpdateExpression: 'SET #status = :closed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed' },
      }),
    );
  }

  async getPaymentSettings(accountId: string): Promise<PaymentSettings | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.paymentSettings(accountId), ConsistentRead: true }),
    );
    if (!Item) return null;
    const { processor, connectedAccountId, version, updatedAt } = Item as PaymentSettings;
    return { processor, connectedAccountId, version, updatedAt };
  }

  async savePaymentSettings(
    accountId: string,
    settings: PaymentSettings,
    expectedVersion: number,
  ): Promise<PaymentSettings> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...settings, accountId, ...keys.paymentSettings(accountId), entity: 'paymentSettings' },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
          ...(expectedVersion === 0
            ? {}
            : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
    return settings;
  }
}
