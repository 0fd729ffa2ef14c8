import { QueryCommand, type DynamoDBDocumentClient, type TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { validationError } from '../../domain/errors.js';
import { badCursor, decodeCursorJson } from '../../domain/paging.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { InvoiceLink, InvoiceLinkIndex, LinkedKind, Page } from '../../domain/ports.js';
import { encodeCursor } from './cursor.js';
import { INVOICE_LINK_PREFIX, keys } from './keys.js';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Link writes stay well inside TransactWriteItems' 100 items beside the invoice, its slug guards,
 * the counter and the number guard (5 at most).
 */
const MAX_LINK_WRITES = 90;

const issued = (inv: Invoice | null) => inv !== null && inv.status !== 'draft';

/** The records an invoice names, as (kind, id) pairs. */
export function linksOf(inv: Invoice): [LinkedKind, string][] {
  return [
    ...inv.contacts.map((id) => ['contact', id] as [LinkedKind, string]),
    ...(inv.company ? [['company', inv.company] as [LinkedKind, string]] : []),
    ...(inv.deals ?? []).map((id) => ['deal', id] as [LinkedKind, string]),
    ...(inv.quotes ?? []).map((id) => ['quote', id] as [LinkedKind, string]),
    ...(inv.recurringInvoiceId ? [['recurringInvoice', inv.recurringInvoiceId] as [LinkedKind, string]] : []),
    // Each label once, however many associations carry it: the label's "in use" and search read these.
    ...labelIdsOf(inv).map((id) => ['associationLabel', id] as [LinkedKind, string]),
  ];
}

/** The association labels an invoice names, each once. */
export function labelIdsOf(inv: Pick<Invoice, 'associationLabels'>): string[] {
  return [...new Set(Object.values(inv.associationLabels ?? {}).flatMap((ls) => ls.map((l) => l.id)))];
}

/**
 * The link items to write with an invoice going from `previous` to `next` (null: created or
 * deleted): puts for records newly named, deletes for records no longer named, and re-puts of the
 * rest when the invoice is finalized (a record delete reads from the links whether an issued
 * invoice names the record; moves between issued states change nothing there). Unconditional:
 * the invoice's own versioned put in the same transaction decides whether any of it happens.
 */
export function linkWrites(tableName: string, previous: Invoice | null, next: Invoice | null): TransactItem[] {
  const key = (inv: Invoice, [kind, id]: [LinkedKind, string]) => keys.invoiceLink(inv.accountId, kind, id, inv.id);
  const id = ([kind, rid]: [LinkedKind, string]) => `${kind}#${rid}`;
  const before = new Map((previous ? linksOf(previous) : []).map((l) => [id(l), l]));
  const after = new Map((next ? linksOf(next) : []).map((l) => [id(l), l]));
  const issuedChanged = issued(previous) !== issued(next);
  const writes: TransactItem[] = [];
  for (const [k, link] of before)
    if (!after.has(k)) writes.push({ Delete: { TableName: tableName, Key: key(previous!, link) } });
  for (const [k, link] of after) {
    if (before.has(k) && !issuedChanged) continue;
    // A label newly named must still exist and not be in the middle of its deletion (association-label-store.ts).
    if (link[0] === 'associationLabel' && !before.has(k)) writes.push(labelCheck(tableName, next!.accountId, link[1]));
    writes.push({
      Put: {
        TableName: tableName,
        Item: {
          ...key(next!, link),
          entity: 'invoiceLink',
          accountId: next!.accountId,
          invoiceId: next!.id,
          recordKind: link[0],
          recordId: link[1],
          issued: issued(next),
        },
      },
    });
  }
  const metadata = metadataWrites(tableName, previous, next);
  if (writes.length + metadata.length > MAX_LINK_WRITES) {
    const path = metadata.length > writes.length ? 'metadata' : 'contacts';
    throw validationError('The edit changes too many associations and metadata keys at once', [
      {
        path,
        message: `change at most ${MAX_LINK_WRITES} associations and metadata values in one edit (a changed value counts twice)`,
      },
    ]);
  }
  return [...writes, ...metadata];
}

/**
 * The metadata links to write with an invoice going from `previous` to `next`: a delete for each
 * (key, value) pair no longer set, a put for each newly set. Unchanged pairs are not rewritten.
 */
function metadataWrites(tableName: string, previous: Invoice | null, next: Invoice | null): TransactItem[] {
  const pairs = (inv: Invoice | null) =>
    new Map(Object.entries(inv?.metadata ?? {}).map(([k, v]) => [`${k}\u0000${v}`, [k, v] as const]));
  const before = pairs(previous);
  const after = pairs(next);
  const writes: TransactItem[] = [];
  for (const [id, [k, v]] of before)
    if (!after.has(id))
      writes.push({
        Delete: { TableName: tableName, Key: keys.metadataLink(previous!.accountId, k, v, previous!.id) },
      });
  for (const [id, [k, v]] of after) {
    if (before.has(id)) continue;
    writes.push({
      Put: {
        TableName: tableName,
        Item: {
          ...keys.metadataLink(next!.accountId, k, v, next!.id),
          entity: 'invoiceMetadataLink',
          accountId: next!.accountId,
          invoiceId: next!.id,
        },
      },
    });
  }
  return writes;
}

/** A record's links: one Query on its partition, newest invoice first, strongly consistent. */
export class DynamoInvoiceLinkIndex implements InvoiceLinkIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(
    accountId: string,
    kind: LinkedKind,
    recordId: string,
    limit: number,
    cursor: string | null,
  ): Promise<Page<InvoiceLink>> {
    const pk = keys.record(accountId, kind, recordId).pk;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': INVOICE_LINK_PREFIX },
        ProjectionExpression: 'invoiceId, issued',
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
        ExclusiveStartKey: decodeLinkCursor(cursor, pk),
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => ({ invoiceId: i.invoiceId as string, issued: i.issued === true })),
      next: encodeCursor(out.LastEvaluatedKey),
    };
  }
}

/** A cursor is only good for the record whose links it paged (the same rule as gsi1 cursors). */
function decodeLinkCursor(cursor: string | null, pk: string): Record<string, string> | undefined {
  if (!cursor) return undefined;
  const k = decodeCursorJson(cursor);
  if (
    Object.keys(k).sort().join(',') !== 'pk,sk' ||
    k.pk !== pk ||
    typeof k.sk !== 'string' ||
    !k.sk.startsWith(INVOICE_LINK_PREFIX)
  )
    throw badCursor();
  return k as Record<string, string>;
}

/** How long a label's deletion mark holds off new uses (a deletion that crashed midway stops blocking after it). */
export const LABEL_DELETION_HOLD_MS = 60_000;

function labelCheck(tableName: string, accountId: string, labelId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.record(accountId, 'associationLabel', labelId),
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#deleting) OR #deleting < :held)',
      ExpressionAttributeNames: { '#deleting': 'deletingSince' },
      ExpressionAttributeValues: { ':held': new Date(Date.now() - LABEL_DELETION_HOLD_MS).toISOString() },
    },
  };
}
