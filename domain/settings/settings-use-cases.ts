import type { Actor } from '../auth/actor.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Clock, SettingsStore } from '../ports.js';
import { formatInvoiceNumber } from '../invoices/numbering.js';
import { DEFAULT_SETTINGS, defaultSettings, type InvoiceSettings, type StoredSettings } from './settings.js';
import type { SettingsInput } from './settings-input.js';

export type SettingsDeps = {
  settings: SettingsStore;
  clock: Clock;
};

/** The account's settings, or the defaults if none were ever saved. */
export async function getSettings(deps: Pick<SettingsDeps, 'settings'>, accountId: string): Promise<StoredSettings> {
  const stored = await deps.settings.get(accountId);
  // Settings saved before a field existed take that field's default.
  return stored ? { ...DEFAULT_SETTINGS, ...stored } : defaultSettings(accountId);
}

/**
 * The account's settings as this process last saw them (read when it has not), for decisions that
 * a write verifies against the settings version (a `NumberRequest`'s `increment`): `cached` says
 * whether they may be older than the last save.
 */
export async function recentSettings(
  deps: Pick<SettingsDeps, 'settings'>,
  accountId: string,
): Promise<{ settings: StoredSettings; cached: boolean }> {
  if (!deps.settings.recent) return { settings: await getSettings(deps, accountId), cached: false };
  const { settings: stored, cached } = await deps.settings.recent(accountId);
  return { settings: stored ? { ...DEFAULT_SETTINGS, ...stored } : defaultSettings(accountId), cached };
}

/**
 * Replaces the fields given. A start number lower than a number its prefix already issued would
 * hand that number out again, so it is refused; changing only the prefix continues that prefix's
 * own series (a fresh prefix starts at the start number).
 */
export async function updateSettings(
  deps: SettingsDeps,
  actor: Actor,
  input: SettingsInput,
  ifMatch?: number,
): Promise<StoredSettings> {
  return mutate(
    () => getSettings(deps, actor.accountId),
    ifMatch,
    async (current) => {
      const { accountId: _a, version: _v, updatedAt: _u, ...fields } = current;
      const next: InvoiceSettings = {
        ...fields,
        ...input,
        reminders: { ...DEFAULT_SETTINGS.reminders, ...fields.reminders, ...input.reminders },
      };
      if (input.startNumber !== undefined && input.startNumber !== current.startNumber) {
        const counterNext = await deps.settings.counterNext(actor.accountId, next.prefix);
        if (counterNext !== null && next.startNumber < counterNext) {
          throw fieldError(
            'startNumber',
            `Prefix ${next.prefix} has issued numbers up to ${formatInvoiceNumber(next.prefix, counterNext - 1)}; a start number below ${counterNext} could hand one out again`,
          );
        }
      }
      await checkCreditNoteNumbering(deps, actor.accountId, current, next, input);
      const saved = await deps.settings.save(
        actor.accountId,
        next,
        current.version,
        toInstant(deps.clock.now()),
        current,
      );
      // A new reminder plan moves the open invoices in the reminders index: the stream does it
      // from this save's record (domain/stream/settings-side-effects.ts), however many there are.
      return saved;
    },
  );
}

/**
 * The credit note series follows the invoice series' rules: a start number that would hand out a
 * number again is refused. A credit note prefix equal to the invoice prefix is refused too: the two
 * series count apart, so they would print the same numbers on different documents.
 */
async function checkCreditNoteNumbering(
  deps: SettingsDeps,
  accountId: string,
  current: InvoiceSettings,
  next: InvoiceSettings,
  input: SettingsInput,
) {
  if (
    (input.prefix !== undefined || input.creditNotePrefix !== undefined) &&
    next.creditNotePrefix.toUpperCase() === next.prefix.toUpperCase()
  ) {
    throw fieldError(
      input.creditNotePrefix !== undefined ? 'creditNotePrefix' : 'prefix',
      'the credit note prefix must differ from the invoice prefix',
    );
  }
  if (input.creditNoteStartNumber !== undefined && input.creditNoteStartNumber !== current.creditNoteStartNumber) {
    const counterNext = await deps.settings.counterNext(accountId, next.creditNotePrefix, 'creditNote');
    if (counterNext !== null && next.creditNoteStartNumber < counterNext) {
      throw fieldError(
        'creditNoteStartNumber',
        `Credit note prefix ${next.creditNotePrefix} has issued numbers up to ${formatInvoiceNumber(next.creditNotePrefix, counterNext - 1)}; a start number below ${counterNext} could hand one out again`,
      );
    }
  }
}
