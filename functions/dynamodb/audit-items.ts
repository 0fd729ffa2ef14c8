import { chainEntry, GENESIS, type ChainDocument } from '../../domain/audit/chain.js';
import type { HistoryEntry } from '../../domain/audit/history.js';
import type { ChainLink } from './chain-end.js';
import { chainWitnessSortKey, collections, keys } from './keys.js';
import type { ChainRequest, TransactItem } from './number-series.js';

/**
 * The audit items other writes add to their transactions, built in one place: a history entry
 * (put only if new: entries are never overwritten) and the chain link of an issued document.
 */
export function historyPut(
  tableName: string,
  entry: HistoryEntry,
  version: number,
  expiresAt?: number,
  /** Tells apart two entries of one action at one instant and version (an invoice's and a credit note's PDF). */
  tag?: string,
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...entry,
        ...keys.historyEntry(
          entry.accountId,
          entry.invoiceId,
          entry.at,
          version,
          tag ? `${entry.action}#${tag}` : entry.action,
        ),
        entity: 'history',
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The next link of the account's chain for the document the write issues (its number may come from the same write). */
export function chainRequest(accountId: string, document: (number: string | null) => ChainDocument): ChainRequest {
  return {
    accountId,
    genesis: GENESIS,
    entry: (sequence, previous, number) => {
      const entry = chainEntry(document(number), sequence, previous);
      return {
        item: { ...entry, accountId, ...keys.chainEntry(accountId, sequence), entity: 'chainEntry' },
        chain: entry.chain,
      };
    },
  };
}

/**
 * The history put of an issuing transaction, made the witness of the chain link the transaction
 * takes: it names the sequence and link, and is indexed by sequence, so the chain's end stays known
 * if its last entry is deleted (chain-end.ts). History entries are never rewritten, which is what
 * makes them fit to witness.
 */
export function witnessing(historyPut: TransactItem, link: ChainLink | null): TransactItem {
  const put = historyPut.Put;
  if (!link || !put?.Item) return historyPut;
  const accountId = put.Item.accountId as string;
  return {
    Put: {
      ...put,
      Item: {
        ...put.Item,
        chainSequence: link.sequence,
        chainLink: link.chain,
        gsi1pk: collections.chainWitnesses(accountId),
        gsi1sk: chainWitnessSortKey(link.sequence),
      },
    },
  };
}
