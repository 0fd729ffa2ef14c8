/**
 * Every DynamoDB key string is built here and nowhere else. Each key that belongs to a tenant
 * starts with its account, so no lookup can reach another account's items.
 */
export type Key = { pk: string; sk: string };

const acc = (accountId: string) => `ACC#${accountId}`;

export const keys = {
  settings: (accountId: string): Key => ({ pk: acc(accountId), sk: 'SETTINGS' }),
  invoiceCounter: (accountId: string, prefix: string): Key => ({ pk: acc(accountId), sk: `COUNTER#INVOICE#${prefix}` }),
  /** One item per issued number: a second invoice with the same number cannot be written. */
  invoiceNumber: (accountId: string, number: string): Key => ({ pk: `${acc(accountId)}#INVNO#${number}`, sk: 'INVNO' }),
  invoice: (accountId: string, id: string): Key => ({ pk: `${acc(accountId)}#INV#${id}`, sk: 'INVOICE' }),
  /** Slugs are global (the buyer page has no account in its path), unique per domain. */
  slug: (domain: string | null, slug: string): Key => ({ pk: `SLUG#${domain ?? '-'}#${slug}`, sk: 'SLUG' }),
  record: (accountId: string, kind: string, id: string): Key => ({ pk: `${acc(accountId)}#${kind.toUpperCase()}#${id}`, sk: kind.toUpperCase() }),
  idempotency: (accountId: string, key: string): Key => ({ pk: `${acc(accountId)}#IDEM#${key}`, sk: 'IDEM' }),
};

/** The gsi1 collections: an account's objects of one kind, sorted by id (ULIDs sort by time). */
export const collections = {
  invoices: (accountId: string) => `${acc(accountId)}#INVOICES`,
  records: (accountId: string, kind: string) => `${acc(accountId)}#${kind.toUpperCase()}S`,
};

export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'expiresAt'] as const;
