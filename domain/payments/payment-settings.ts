import * as z from 'zod';
import type { Actor } from '../auth/actor.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import type { OnlinePaymentStore } from './online-store.js';

/** `GET /settings/payments`: which processor the account takes payments through, and on which of its accounts. */
export type PaymentSettings = {
  processor: 'stripe' | null;
  connectedAccountId: string | null;
  version: number;
  updatedAt: string | null;
};

/** A Stripe connected account id. */
const connectedAccount = z.string().regex(/^acct_[A-Za-z0-9_]{1,64}$/, 'must be a Stripe account id (acct_…)');

export const paymentSettingsInput = z.strictObject({
  processor: z.enum(['stripe']).nullable(),
  connectedAccountId: connectedAccount.nullable().optional(),
});
export type PaymentSettingsInput = z.infer<typeof paymentSettingsInput>;

export type PaymentSettingsDeps = {
  online: Pick<OnlinePaymentStore, 'getPaymentSettings' | 'savePaymentSettings'>;
  /**
   * What an account that never chose starts with: locally every account is connected to a test
   * account of the emulator (PAYMENTS_AUTOCONNECT); in AWS none is until the account connects one.
   */
  defaultConnection: ((accountId: string) => string) | null;
  clock: { now(): Date };
};

export const isConnected = (
  s: PaymentSettings,
): s is PaymentSettings & { processor: 'stripe'; connectedAccountId: string } =>
  s.processor !== null && s.connectedAccountId !== null;

export const presentPaymentSettings = (s: PaymentSettings) => ({
  processor: s.processor,
  connectedAccountId: s.connectedAccountId,
  status: isConnected(s) ? ('connected' as const) : ('disconnected' as const),
  version: s.version,
  updatedAt: s.updatedAt,
});

export async function getPaymentSettings(deps: PaymentSettingsDeps, accountId: string): Promise<PaymentSettings> {
  const stored = await deps.online.getPaymentSettings(accountId);
  if (stored) return stored;
  const auto = deps.defaultConnection?.(accountId) ?? null;
  return { processor: auto ? 'stripe' : null, connectedAccountId: auto, version: 0, updatedAt: null };
}

/** `PUT /settings/payments`: `processor: null` disconnects (the account id is dropped with it). */
export async function updatePaymentSettings(
  deps: PaymentSettingsDeps,
  actor: Actor,
  input: PaymentSettingsInput,
  ifMatch?: number,
): Promise<PaymentSettings> {
  if (input.processor !== null && !input.connectedAccountId) {
    throw fieldError('connectedAccountId', 'is required to connect a processor');
  }
  return mutate(
    () => getPaymentSettings(deps, actor.accountId),
    ifMatch,
    (current) =>
      deps.online.savePaymentSettings(
        actor.accountId,
        {
          processor: input.processor,
          connectedAccountId: input.processor === null ? null : input.connectedAccountId!,
          version: current.version + 1,
          updatedAt: new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        current.version,
      ),
  );
}
