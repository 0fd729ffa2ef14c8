import type { Actor } from '../auth/actor.js';
import { byUser, SYSTEM, userActor, type Change } from '../audit/history.js';
import { toInstant } from '../dates/calendar.js';
import { buyerInvoice, type BuyerRequest } from '../documents/document-use-cases.js';
import { conflict, fieldError, notFound } from '../errors.js';
import { invoiceUrl, type Invoice } from '../invoices/invoice.js';
import { RETRY_WITH_JITTER } from '../optimistic.js';
import { VersionConflict, type Clock, type IdGenerator, type InvoiceStore, type SettingsStore } from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { EventAlreadyApplied, type IntentRef, type OnlinePaymentStore } from './online-store.js';
import { countedAmount, paymentStatus, type OnlineState, type Payment, type RefundInput } from './payment.js';
import { getPaymentSettings, isConnected, type PaymentSettingsDeps } from './payment-settings.js';
import { ProcessorRefused, type PaymentProcessor, type ProcessorEvent } from './processor.js';

export type OnlineDeps = PaymentSettingsDeps & {
  invoices: Pick<InvoiceStore, 'get' | 'getBySlug'>;
  settings: SettingsStore;
  online: OnlinePaymentStore;
  processor: PaymentProcessor;
  clock: Clock;
  ids: IdGenerator;
  publicBaseUrl: string;
};

const PDF_PENDING: Invoice['pdf'] = { status: 'pending', sha256: null };

/** Processor ids carry underscores; ours have one, after the prefix (the HTTP layer checks that shape). */
export const onlinePaymentId = (paymentIntentId: string) =>
  `pay_${paymentIntentId.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 44);

async function backoff(attempt: number) {
  await RETRY_WITH_JITTER.backoff?.(attempt);
}

/** Retries a read-decide-write on a lost race, as `mutate` does for edits. */
async function retrying<R>(step: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!(e instanceof VersionConflict) || attempt >= RETRY_WITH_JITTER.maxAttempts) throw e;
      await backoff(attempt);
    }
  }
}

// ---- Checkout ----

/**
 * `POST /i/{slug}/checkout`: a hosted checkout for the balance due (or, where the invoice allows
 * partial payments, a smaller amount), on the account's connected processor account. Nothing is
 * written to the invoice: only a payment that lands moves it. The session is kept beside the
 * invoice so voiding it can close the session.
 */
export async function startCheckout(
  deps: OnlineDeps,
  req: BuyerRequest,
  input: { amount?: number | undefined },
  requestId: string,
): Promise<{ url: string }> {
  const invoice = await buyerInvoice(deps, req);
  if (invoice.status !== 'open' || invoice.totals.balanceDue <= 0) {
    throw conflict(
      invoice.status === 'open'
        ? 'This invoice has nothing due'
        : `An invoice whose status is ${invoice.status} cannot be paid`,
      { currentStatus: invoice.status },
    );
  }
  const connection = await getPaymentSettings(deps, invoice.accountId);
  if (!isConnected(connection) || invoice.billing.paymentMethods.length === 0) {
    throw conflict('This invoice cannot be paid online: no payment processor or method is enabled', {
      currentStatus: invoice.status,
    });
  }
  const due = invoice.totals.balanceDue;
  const amount = input.amount ?? due;
  if (amount > due) throw fieldError('amount', `must not exceed the balance due (${due})`);
  if (amount < due && !invoice.allowPartialPayments) {
    throw fieldError('amount', `must equal the balance due (${due}): this invoice does not allow partial payments`);
  }
  const settings = await getSettings(deps, invoice.accountId);
  const page = invoiceUrl(invoice, deps.publicBaseUrl);
  const session = await deps.processor.createCheckout({
    connectedAccountId: connection.connectedAccountId,
    accountId: invoice.accountId,
    invoiceId: invoice.id,
    description: `Invoice ${invoice.number ?? invoice.id}`,
    currency: invoice.currency,
    amount,
    methods: invoice.billing.paymentMethods,
    collectBillingAddress: invoice.billing.collectBillingAddress,
    shippingCountries: invoice.billing.collectShippingAddress ? settings.shippingCountries : null,
    successUrl: `${page}?checkout=success`,
    cancelUrl: `${page}?checkout=cancelled`,
    idempotencyKey: `checkout_${invoice.id}_${requestId}`,
  });
  await deps.online.saveCheckout({
    accountId: invoice.accountId,
    invoiceId: invoice.id,
    checkoutSessionId: session.id,
    connectedAccountId: connection.connectedAccountId,
    amount,
    createdAt: toInstant(deps.clock.now()),
    status: 'open',
  });
  return { url: session.url };
}

/** An invoice that was voided or settled takes no more payments: its open sessions are closed. */
export async function expireOpenCheckouts(
  deps: Pick<OnlineDeps, 'online' | 'processor'>,
  accountId: string,
  invoiceId: string,
): Promise<number> {
  const open = await deps.online.openCheckouts(accountId, invoiceId);
  for (const record of open) {
    await deps.processor.expireCheckout(record.connectedAccountId, record.checkoutSessionId);
    await deps.online.closeCheckout(record);
  }
  return open.length;
}

// ---- Money moving on the invoice ----

/** The invoice after `applied` more of an online payment counts toward it. */
function invoiceAfterOnlinePayment(current: Invoice, applied: number, paidAt: string, now: string): Invoice {
  const balanceDue = current.totals.balanceDue - applied;
  return {
    ...current,
    totals: { ...current.totals, amountPaid: current.totals.amountPaid + applied, balanceDue },
    ...(balanceDue === 0 ? { status: 'paid' as const, paidAt, pastDue: false } : {}),
    pdf: PDF_PENDING,
    version: current.version + 1,
    updatedAt: now,
  };
}

/**
 * The invoice after `returned` of its payments went back to the buyer: less is paid, more is due
 * again, and a paid invoice is open again. A voided invoice owes nothing whatever is refunded.
 */
function invoiceAfterReturn(current: Invoice, returned: number, now: string): Invoice {
  const balanceDue = current.status === 'voided' ? 0 : current.totals.balanceDue + returned;
  const reopened = current.status === 'paid' && balanceDue > 0;
  return {
    ...current,
    totals: { ...current.totals, amountPaid: current.totals.amountPaid - returned, balanceDue },
    ...(reopened ? { status: 'open' as const, paidAt: null } : {}),
    pdf: PDF_PENDING,
    version: current.version + 1,
    updatedAt: now,
  };
}

const bumped = (p: Payment, online: OnlineState): Payment => ({ ...p, online, version: (p.version ?? 1) + 1 });

// ---- Processor events ----

export type EventOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * A verified processor event, applied once whatever the repeats and order. The effect is keyed on
 * the payment intent (one payment per intent: its guard item is written with it) and on the
 * payment's state, which only moves forward (pending → succeeded | failed), and each write carries
 * the event's mark: a repeat finds the mark, or a state already reached, and changes nothing.
 */
export async function applyProcessorEvent(deps: OnlineDeps, event: ProcessorEvent): Promise<EventOutcome> {
  switch (event.kind) {
    case 'ignored':
      return 'ignored';
    case 'refunded':
      return applyRefundTotal(
        deps,
        event.paymentIntentId,
        event.amountRefunded,
        SYSTEM.paymentProcessor,
        event.eventId,
      );
    case 'disputed':
      return flagDispute(deps, event.paymentIntentId, event.eventId);
    default:
      return settle(deps, event);
  }
}

type SettlementEvent = Extract<ProcessorEvent, { kind: 'checkoutCompleted' | 'asyncSucceeded' | 'asyncFailed' }>;

async function readByIntent(
  deps: OnlineDeps,
  paymentIntentId: string,
): Promise<{ ref: IntentRef; payment: Payment } | null> {
  const ref = await deps.online.byIntent(paymentIntentId);
  if (!ref) return null;
  const payment = await deps.online.getPayment(ref.accountId, ref.invoiceId, ref.paymentId);
  return payment ? { ref, payment } : null;
}

async function settle(deps: OnlineDeps, event: SettlementEvent): Promise<EventOutcome> {
  const target: OnlineState['state'] =
    event.kind === 'asyncFailed' ? 'failed' : event.kind === 'asyncSucceeded' || event.paid ? 'succeeded' : 'pending';
  const outcome = await retrying(async (): Promise<EventOutcome | Payment> => {
    // Independent reads, at once: a webhook's time is mostly waiting on the table.
    const [invoice, found, opened] = await Promise.all([
      deps.invoices.get(event.accountId, event.invoiceId),
      readByIntent(deps, event.paymentIntentId),
      deps.online.getCheckout(event.accountId, event.invoiceId, event.checkoutSessionId),
    ]);
    if (!invoice) return 'ignored';
    // The invoice named in the metadata counts a payment only from a checkout this service opened
    // for it, on the connected account it was opened on: any connected account can put another
    // tenant's invoice id in its own session's metadata, but the money went to that account.
    if (!opened || opened.connectedAccountId !== event.connectedAccountId) return 'ignored';
    const now = toInstant(deps.clock.now());
    // Out of order or repeated: a settled payment never moves again, and "completed, unpaid" after
    // the async outcome says nothing new.
    if (found && (found.payment.online!.state !== 'pending' || target === 'pending')) return found.payment;
    const base: Payment = found?.payment ?? {
      id: onlinePaymentId(event.paymentIntentId),
      accountId: invoice.accountId,
      invoiceId: invoice.id,
      amount: event.amount,
      currency: event.currency.toUpperCase(),
      paidAt: event.occurredAt,
      method: event.method,
      reference: event.checkoutSessionId,
      invoiceVersion: invoice.version,
      recordedAt: now,
      recordedBy: SYSTEM.paymentProcessor.id,
      source: 'online',
      version: 1,
      online: {
        state: 'pending',
        processor: {
          name: 'stripe',
          checkoutSessionId: event.checkoutSessionId,
          paymentIntentId: event.paymentIntentId,
          connectedAccountId: event.connectedAccountId ?? '',
        },
        appliedAmount: 0,
        autoRefund: 0,
        autoRefundDone: false,
        refundedAmount: 0,
        disputed: false,
      },
    };
    const previousPayment = found?.payment;
    if (target !== 'succeeded') {
      const payment = previousPayment
        ? bumped(base, { ...base.online!, state: target })
        : { ...base, online: { ...base.online!, state: target } };
      await deps.online.write({ payment, ...(previousPayment ? { previousPayment } : {}), eventId: event.eventId });
      return payment;
    }
    // It landed: what is still due counts, the rest (all of it on a voided or settled invoice) goes back.
    const applied = invoice.status === 'open' ? Math.min(base.amount, invoice.totals.balanceDue) : 0;
    const online: OnlineState = {
      ...base.online!,
      state: 'succeeded',
      appliedAmount: applied,
      autoRefund: base.amount - applied,
    };
    const next = applied > 0 ? invoiceAfterOnlinePayment(invoice, applied, event.occurredAt, now) : null;
    const payment: Payment = {
      ...(previousPayment ? bumped(base, online) : { ...base, online }),
      paidAt: event.occurredAt,
      invoiceVersion: next?.version ?? invoice.version,
    };
    const change: Change = {
      actor: SYSTEM.paymentProcessor,
      action: next?.status === 'paid' ? 'paid' : 'paymentRecorded',
      at: now,
      detail: { paymentId: payment.id, amount: applied, source: 'online', paymentIntentId: event.paymentIntentId },
    };
    await deps.online.write({
      payment,
      ...(previousPayment ? { previousPayment } : {}),
      ...(next ? { invoice: { previous: invoice, next, change } } : {}),
      eventId: event.eventId,
    });
    return payment;
  }).catch((e: unknown) => {
    if (e instanceof EventAlreadyApplied) return 'duplicate' as const;
    throw e;
  });
  if (typeof outcome === 'string') return outcome;
  // Whether just written or found again on a repeat: an owed refund is made (a crash after the
  // write leaves it owed, and the processor's retry of the event gets here to make it).
  await ensureAutoRefund(deps, outcome);
  return 'applied';
}

/** Refunds what landed with nothing due, once (the key is the payment's), and marks it made. */
async function ensureAutoRefund(deps: OnlineDeps, payment: Payment): Promise<void> {
  const online = payment.online;
  if (!online || online.state !== 'succeeded' || online.autoRefund === 0 || online.autoRefundDone) return;
  await deps.processor.refund(
    online.processor.connectedAccountId,
    online.processor.paymentIntentId,
    online.autoRefund,
    `autorefund_${payment.id}`,
  );
  await retrying(async () => {
    const current = await deps.online.getPayment(payment.accountId, payment.invoiceId, payment.id);
    if (!current?.online || current.online.autoRefundDone) return;
    const next = bumped(current, {
      ...current.online,
      autoRefundDone: true,
      refundedAmount: Math.max(current.online.refundedAmount, current.online.autoRefund),
    });
    await deps.online.write({ payment: next, previousPayment: current });
  });
}

/**
 * The processor has refunded `total` of a payment in all (its running total, so a repeat or an
 * older event is no change). What was refunded of the applied part goes back on the invoice.
 */
async function applyRefundTotal(
  deps: OnlineDeps,
  paymentIntentId: string,
  total: number,
  actor: Change['actor'],
  eventId?: string,
): Promise<EventOutcome> {
  return retrying(async () => {
    const found = await readByIntent(deps, paymentIntentId);
    if (!found?.payment.online) return 'ignored' as const;
    const { payment } = found;
    const online = found.payment.online;
    // A refund claimed through the API is settled once the processor's total reaches it.
    const claim = online.refundInProgress;
    const settlesClaim = claim !== undefined && Math.max(total, online.refundedAmount) >= claim.total;
    if (total <= online.refundedAmount && !settlesClaim) return 'duplicate' as const;
    const { refundInProgress: _settled, ...unclaimed } = online;
    const next = bumped(payment, {
      ...(settlesClaim ? unclaimed : online),
      refundedAmount: Math.min(Math.max(total, online.refundedAmount), payment.amount),
    });
    const returned = countedAmount(payment) - countedAmount(next);
    const invoice = returned > 0 ? await deps.invoices.get(payment.accountId, payment.invoiceId) : null;
    const now = toInstant(deps.clock.now());
    const after = invoice ? invoiceAfterReturn(invoice, returned, now) : null;
    await deps.online.write({
      payment: after ? { ...next, invoiceVersion: after.version } : next,
      previousPayment: payment,
      ...(invoice && after
        ? {
            invoice: {
              previous: invoice,
              next: after,
              change: {
                actor,
                action: 'paymentRefunded',
                at: now,
                detail: { paymentId: payment.id, amount: returned },
              },
            },
          }
        : {}),
      ...(eventId ? { eventId } : {}),
    });
    return 'applied' as const;
  }).catch((e: unknown) => {
    if (e instanceof EventAlreadyApplied) return 'duplicate' as const;
    throw e;
  });
}

async function flagDispute(deps: OnlineDeps, paymentIntentId: string, eventId: string): Promise<EventOutcome> {
  return retrying(async () => {
    const found = await readByIntent(deps, paymentIntentId);
    if (!found?.payment.online) return 'ignored' as const;
    if (found.payment.online.disputed) return 'duplicate' as const;
    const next = bumped(found.payment, { ...found.payment.online, disputed: true });
    await deps.online.write({ payment: next, previousPayment: found.payment, eventId });
    return 'applied' as const;
  }).catch((e: unknown) => {
    if (e instanceof EventAlreadyApplied) return 'duplicate' as const;
    throw e;
  });
}

// ---- Refunds and voids asked for by the account ----

async function loadPayment(deps: OnlineDeps, actor: Actor, id: string): Promise<Payment> {
  const ref = await deps.online.paymentRef(actor.accountId, id);
  const payment = ref ? await deps.online.getPayment(actor.accountId, ref.invoiceId, id) : null;
  if (!payment) throw notFound('Payment', id);
  return payment;
}

/**
 * `POST /payments/{id}/refund`: an online payment is refunded through the processor (keyed on the
 * running total it reaches, so a retried request refunds once), then recorded as the processor's
 * own event would record it; a recorded payment records the refund.
 */
export async function refundPayment(
  deps: OnlineDeps,
  actor: Actor,
  id: string,
  input: RefundInput,
): Promise<{ payment: Payment; invoice: Invoice | null }> {
  const payment = await loadPayment(deps, actor, id);
  if (payment.online) {
    const claim = await claimRefund(deps, actor, id, input);
    try {
      await makeRefund(deps, payment.online.processor, payment.id, claim, userActor(actor));
    } catch (e) {
      // A refusal is final: the claim goes, so the next request is not held back. Any other error
      // leaves the outcome unknown, so the claim stays for the next request to finish (same key).
      if (e instanceof ProcessorRefused) await releaseRefund(deps, actor, id, claim);
      throw e;
    }
  } else {
    const remaining = refundable(payment, 0, input.amount);
    await changeRecorded(
      deps,
      actor,
      payment,
      (p) => ({
        ...p,
        refundedAmount: (p.refundedAmount ?? 0) + (input.amount ?? remaining),
        refundedAt: toInstant(deps.clock.now()),
      }),
      'paymentRefunded',
      remaining,
    );
  }
  const now = await loadPayment(deps, actor, id);
  return { payment: now, invoice: await deps.invoices.get(actor.accountId, now.invoiceId) };
}

/** What is left to refund of a payment that has `refunded` back already; refusals as the contract says. */
function refundable(payment: Payment, refunded: number, amount?: number): number {
  if (payment.voidedAt) throw conflict('A voided payment cannot be refunded', { currentStatus: 'voided' });
  if (payment.online && payment.online.state !== 'succeeded') {
    throw conflict(`A payment whose status is ${payment.online.state} cannot be refunded`, {
      currentStatus: payment.online.state,
    });
  }
  const remaining = payment.amount - (payment.online ? refunded : (payment.refundedAmount ?? 0));
  if (remaining <= 0) throw conflict('This payment has been refunded in full', { currentStatus: 'refunded' });
  if (amount !== undefined && amount > remaining) {
    throw fieldError('amount', `must not exceed what is left to refund (${remaining})`);
  }
  return remaining;
}

/** A claim older than this belongs to a request that died: the next request finishes it. */
const REFUND_CLAIM_TIMEOUT_MS = 60_000;

type RefundClaim = NonNullable<NonNullable<Payment['online']>['refundInProgress']>;

/**
 * Claims a refund on the payment item (conditional on its version) before the processor is called,
 * so that of two requests at once only one refunds from a given total: the other sees the claim
 * and is 409. A claim left by a request that died is made good first, then this one is claimed.
 */
async function claimRefund(deps: OnlineDeps, actor: Actor, id: string, input: RefundInput): Promise<RefundClaim> {
  return retrying(async (): Promise<RefundClaim> => {
    const payment = await loadPayment(deps, actor, id);
    const online = payment.online!;
    const pending = online.refundInProgress;
    if (pending && online.refundedAmount < pending.total) {
      const age = deps.clock.now().getTime() - new Date(pending.since).getTime();
      if (age < REFUND_CLAIM_TIMEOUT_MS) {
        throw conflict('A refund of this payment is in progress; try again when it has finished', {
          currentStatus: paymentStatus(payment),
        });
      }
      await makeRefund(deps, online.processor, payment.id, pending, SYSTEM.paymentProcessor);
      throw new VersionConflict(); // read again: the finished claim moved the total
    }
    const remaining = refundable(payment, online.refundedAmount, input.amount);
    const amount = input.amount ?? remaining;
    const claim = { total: online.refundedAmount + amount, amount, since: toInstant(deps.clock.now()) };
    await deps.online.write({
      payment: bumped(payment, { ...online, refundInProgress: claim }),
      previousPayment: payment,
    });
    return claim;
  });
}

async function releaseRefund(deps: OnlineDeps, actor: Actor, id: string, claim: RefundClaim): Promise<void> {
  await retrying(async () => {
    const payment = await loadPayment(deps, actor, id);
    const { refundInProgress: current, ...unclaimed } = payment.online!;
    if (current?.total !== claim.total || current.since !== claim.since) return;
    await deps.online.write({ payment: bumped(payment, unclaimed), previousPayment: payment });
  });
}

/**
 * The processor refunds the claimed amount (keyed on the total it reaches, so finishing a claim
 * again refunds once), then it is recorded as the processor's own event would record it.
 */
async function makeRefund(
  deps: OnlineDeps,
  processor: NonNullable<Payment['online']>['processor'],
  paymentId: string,
  claim: RefundClaim,
  actor: Change['actor'],
): Promise<void> {
  await deps.processor.refund(
    processor.connectedAccountId,
    processor.paymentIntentId,
    claim.amount,
    `refund_${paymentId}_${claim.total}`,
  );
  await applyRefundTotal(deps, processor.paymentIntentId, claim.total, actor);
}

/** `POST /payments/{id}/void`: a recorded payment entered by mistake no longer counts. Never an online one. */
export async function voidPayment(
  deps: OnlineDeps,
  actor: Actor,
  id: string,
): Promise<{ payment: Payment; invoice: Invoice | null }> {
  const payment = await loadPayment(deps, actor, id);
  if (payment.online)
    throw conflict('An online payment cannot be voided; refund it instead', { currentStatus: 'online' });
  if (payment.voidedAt) throw conflict('This payment is voided already', { currentStatus: 'voided' });
  await changeRecorded(deps, actor, payment, (p) => ({ ...p, voidedAt: toInstant(deps.clock.now()) }), 'paymentVoided');
  const now = await loadPayment(deps, actor, id);
  return { payment: now, invoice: await deps.invoices.get(actor.accountId, now.invoiceId) };
}

/** A recorded payment changes with the invoice in one write, conditional on both versions read. */
async function changeRecorded(
  deps: OnlineDeps,
  actor: Actor,
  read: Payment,
  change: (p: Payment) => Payment,
  action: 'paymentRefunded' | 'paymentVoided',
  limit?: number,
): Promise<void> {
  await retrying(async () => {
    const payment = await loadPayment(deps, actor, read.id);
    if (payment.voidedAt) throw conflict('This payment is voided already', { currentStatus: 'voided' });
    const changed = { ...change(payment), version: (payment.version ?? 1) + 1 };
    if (limit !== undefined && (changed.refundedAmount ?? 0) > payment.amount) {
      throw fieldError(
        'amount',
        `must not exceed what is left to refund (${payment.amount - (payment.refundedAmount ?? 0)})`,
      );
    }
    const returned = countedAmount(payment) - countedAmount(changed);
    const invoice = await deps.invoices.get(actor.accountId, payment.invoiceId);
    if (!invoice) throw notFound('Invoice', payment.invoiceId);
    const now = toInstant(deps.clock.now());
    const next = invoiceAfterReturn(invoice, returned, now);
    await deps.online.write({
      payment: { ...changed, invoiceVersion: next.version },
      previousPayment: payment,
      invoice: {
        previous: invoice,
        next,
        change: byUser(actor, action, now, { paymentId: payment.id, amount: returned }),
      },
    });
  });
}
