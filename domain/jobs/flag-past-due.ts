import { todayIn, toInstant } from '../dates/calendar.js';
import type { OverdueCandidate, OverdueIndex, SettingsStore } from '../ports.js';
import { DEFAULT_SETTINGS } from '../settings/settings.js';

/**
 * The zone where the date changes first (UTC+14, the most ahead of any). No account's "today" is
 * later than today there, so entries due before it are every invoice that can be past due anywhere.
 */
export const FURTHEST_AHEAD_ZONE = 'Pacific/Kiritimati';

/** Flags in flight at once: enough to hide a round trip, few enough not to throttle one table. */
const FLAG_CONCURRENCY = 8;

export type FlagPastDueDeps = {
  overdue: OverdueIndex;
  /** Each account's time zone; an account with no stored settings has the default zone. */
  settings: Pick<SettingsStore, 'get'>;
};

export type FlagPastDueResult = {
  /** Index items storage read (the job's cost): grows with what is due, not with the table. */
  itemsRead: number;
  /** Invoices this run flagged past due. */
  flagged: number;
  /**
   * Entries read but not flagged: due today or later in their own account's zone, or paid, voided
   * or flagged by a concurrent run between the read and the write.
   */
  skipped: number;
  /** Entries whose settings read or flag write failed (left in the index: the next run retries them). */
  failed: number;
  /** Accounts whose settings were read (once each per run). */
  accounts: number;
  /** The first few failures, for the log. */
  errors: unknown[];
};

/**
 * Flags open invoices whose due date is before today in their account's time zone.
 *
 * Reads the past-due index up to today in the zone that is furthest ahead, then checks each entry
 * against its own account's today (settings read once per account per run). Each flag is one
 * conditional write (open and not yet flagged), so two runs at once, or a run racing a payment,
 * flag an invoice at most once; the loser counts it as skipped. The flag bumps the invoice's
 * version, and the table's stream turns that change into the `invoice.pastDue` event: this job
 * publishes nothing itself. A failure on one entry does not stop the others; it is counted, and
 * since the entry stays in the index, the next run tries it again.
 */
export async function flagPastDueInvoices(deps: FlagPastDueDeps, now: Date): Promise<FlagPastDueResult> {
  const result: FlagPastDueResult = { itemsRead: 0, flagged: 0, skipped: 0, failed: 0, accounts: 0, errors: [] };
  const at = toInstant(now);
  const todayByAccount = new Map<string, Promise<string>>();
  const accountToday = (accountId: string) => {
    let today = todayByAccount.get(accountId);
    if (!today) {
      result.accounts++;
      today = deps.settings.get(accountId).then((s) => todayIn(s?.timeZone ?? DEFAULT_SETTINGS.timeZone, now));
      todayByAccount.set(accountId, today);
    }
    return today;
  };

  const visit = async (c: OverdueCandidate) => {
    try {
      if (!(c.dueDate < (await accountToday(c.accountId)))) {
        result.skipped++;
        return;
      }
      if (await deps.overdue.flag(c.accountId, c.invoiceId, at)) result.flagged++;
      else result.skipped++;
    } catch (e) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(e);
    }
  };

  for await (const page of deps.overdue.read(todayIn(FURTHEST_AHEAD_ZONE, now))) {
    result.itemsRead += page.itemsRead;
    await forEachLimited(page.candidates, FLAG_CONCURRENCY, visit);
  }
  return result;
}

/** Runs `fn` over `items`, at most `limit` at once (the jobs' bounded fan-out). */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
