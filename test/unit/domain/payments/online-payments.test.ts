import { beforeEach, describe, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import { createInvoice, finalizeInvoice, voidInvoice } from '../../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import {
  applyProcessorEvent,
  expireOpenCheckouts,
  refundPayment,
  startCheckout,
  type OnlineDeps,
} from '../../../../domain/payments/online-payments.js';
import { paymentStatus } from '../../../../domain/payments/payment.js';
import type { ProcessorEvent } from '../../../../domain/payments/processor.js';
import { actorFor, domainError, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';
import { FakeProcessor, InMemoryOnlinePaymentStore } from '../../../support/in-memory-online.js';
import { until } from '../../../support/until.js';

const ACC = 'acc_1';
let d: InMemoryDeps;
let me: Actor;
let online: InMemoryOnlinePaymentStore;
let processor: FakeProcessor;
let deps: OnlineDeps;

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
  me = actorFor(ACC);
  online = new InMemoryOnlinePaymentStore(d.invoices);
  processor = new FakeProcessor();
  deps = {
    ...d.deps,
    online,
    processor,
    publicBaseUrl: 'https://pay.example',
    defaultConnection: (a) => `acct_test_${a}`,
  };
});

async function openInvoice(unitPrice: number, extra: Record<string, unknown> = {}) {
  const contact = await seedContact(d, ACC);
  const draft = await createInvoice(
    d.deps,
    me,
    invoiceEditInput.parse({ contacts: [contact], lineItems: [{ name: 'W', unitPrice }], ...extra }),
  );
  return finalizeInvoice(d.deps, me, draft.id);
}

let n = 0;
/** A processor event for a checkout this service opened for the invoice (its record is kept). */
function settlement(
  kind: 'checkoutCompleted' | 'asyncSucceeded' | 'asyncFailed',
  invoiceId: string,
  amount: number,
  opts: { pi?: string; paid?: boolean; eventId?: string; connectedAccountId?: string; opened?: boolean } = {},
): ProcessorEvent {
  const checkoutSessionId = `cs_${invoiceId}`;
  if (opts.opened !== false) {
    online.checkouts.set(checkoutSessionId, {
      accountId: ACC,
      invoiceId,
      checkoutSessionId,
      connectedAccountId: 'acct_test',
      amount,
      createdAt: '2026-11-27T15:00:00Z',
      status: 'open',
    });
  }
  return {
    kind,
    eventId: opts.eventId ?? `evt_${++n}`,
    connectedAccountId: opts.connectedAccountId ?? 'acct_test',
    accountId: ACC,
    invoiceId,
    checkoutSessionId,
    paymentIntentId: opts.pi ?? 'pi_1',
    amount,
    currency: 'usd',
    method: opts.paid === false || kind !== 'checkoutCompleted' ? 'ach' : 'card',
    paid: opts.paid ?? kind !== 'asyncFailed',
    occurredAt: '2026-11-27T15:00:00Z',
  };
}
const stored = () => [...online.payments.values()];

describe('settlement events', () => {
  test('a card payment repeated (same event, and a new event for the same intent) is recorded once', async () => {
    const inv = await openInvoice(10_000);
    const e = settlement('checkoutCompleted', inv.id, 10_000);
    expect(await applyProcessorEvent(deps, e)).toBe('applied');
    expect(await applyProcessorEvent(deps, e)).toBe('applied'); // found again: nothing new written
    await applyProcessorEvent(deps, { ...e, eventId: 'evt_other' });
    expect(stored()).toHaveLength(1);
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({ status: 'paid', totals: { amountPaid: 10_000 } });
    expect(d.invoices.history.at(-1)).toMatchObject({
      action: 'paid',
      actor: { type: 'system', id: 'payment-processor' },
    });
  });

  test('a payment on another connected account, or from a session never opened here, is not counted on the invoice it names', async () => {
    const inv = await openInvoice(10_000);
    const elsewhere = settlement('checkoutCompleted', inv.id, 10_000, {
      connectedAccountId: 'acct_attacker',
      pi: 'pi_a',
    });
    expect(await applyProcessorEvent(deps, elsewhere)).toBe('ignored');
    online.checkouts.clear();
    const unknown = settlement('checkoutCompleted', inv.id, 10_000, { opened: false, pi: 'pi_b' });
    expect(await applyProcessorEvent(deps, unknown)).toBe('ignored');
    expect(stored()).toEqual([]);
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({ status: 'open', totals: { amountPaid: 0 } });
  });

  test('ACH: pending moves nothing; async success before completed records one succeeded payment', async () => {
    const a = await openInvoice(5_000);
    await applyProcessorEvent(deps, settlement('checkoutCompleted', a.id, 5_000, { paid: false, pi: 'pi_a' }));
    expect(stored().map(paymentStatus)).toEqual(['pending']);
    expect((await d.invoices.get(ACC, a.id))!.totals.balanceDue).toBe(5_000);

    const b = await openInvoice(5_000);
    await applyProcessorEvent(deps, settlement('asyncSucceeded', b.id, 5_000, { pi: 'pi_b' }));
    await applyProcessorEvent(deps, settlement('checkoutCompleted', b.id, 5_000, { paid: false, pi: 'pi_b' }));
    const forB = stored().filter((p) => p.invoiceId === b.id);
    expect(forB.map(paymentStatus)).toEqual(['succeeded']);
    expect((await d.invoices.get(ACC, b.id))!.status).toBe('paid');
  });

  test('a failed debit never moves the balance, and a late success after failure changes nothing', async () => {
    const inv = await openInvoice(5_000);
    await applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, 5_000, { paid: false }));
    await applyProcessorEvent(deps, settlement('asyncFailed', inv.id, 5_000));
    await applyProcessorEvent(deps, settlement('asyncSucceeded', inv.id, 5_000));
    expect(stored().map(paymentStatus)).toEqual(['failed']);
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({ status: 'open', totals: { amountPaid: 0 } });
  });
});

describe('more than is due', () => {
  test('a payment landing on a voided invoice is refunded in full, once, even when the first refund call fails', async () => {
    const inv = await openInvoice(6_000);
    await voidInvoice(d.deps, me, inv.id);
    processor.failRefunds = true;
    const e = settlement('checkoutCompleted', inv.id, 6_000);
    await expect(applyProcessorEvent(deps, e)).rejects.toThrow('processor unavailable');
    expect(stored()[0]!.online).toMatchObject({ appliedAmount: 0, autoRefund: 6_000, autoRefundDone: false });
    // The processor delivers the event again: the refund owed is made now, with the same key.
    processor.failRefunds = false;
    await applyProcessorEvent(deps, e);
    await applyProcessorEvent(deps, e);
    expect([...processor.refunds.values()]).toEqual([{ paymentIntentId: 'pi_1', amount: 6_000 }]);
    expect(paymentStatus(stored()[0]!)).toBe('refunded');
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({ status: 'voided', totals: { amountPaid: 0 } });
  });

  test('two payments for one balance: the second is applied for nothing and refunded', async () => {
    const inv = await openInvoice(10_000);
    await Promise.all([
      applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, 10_000, { pi: 'pi_x' })),
      applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, 10_000, { pi: 'pi_y' })),
    ]);
    expect(stored().map(paymentStatus).sort()).toEqual(['refunded', 'succeeded']);
    expect((await d.invoices.get(ACC, inv.id))!.totals).toMatchObject({ amountPaid: 10_000, balanceDue: 0 });
    expect(processor.refunds.size).toBe(1);
  });
});

describe('refunds', () => {
  test('a running total applies once: an older, smaller total is ignored; the invoice opens again', async () => {
    const inv = await openInvoice(10_000);
    await applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, 10_000));
    const refunded = (total: number): ProcessorEvent => ({
      kind: 'refunded',
      eventId: `evt_r${total}`,
      paymentIntentId: 'pi_1',
      amountRefunded: total,
      occurredAt: '2026-11-28T10:00:00Z',
    });
    await applyProcessorEvent(deps, refunded(4_000));
    expect(await applyProcessorEvent(deps, refunded(1_000))).toBe('duplicate');
    expect((await d.invoices.get(ACC, inv.id))!).toMatchObject({
      status: 'open',
      paidAt: null,
      totals: { amountPaid: 6_000, balanceDue: 4_000 },
    });
    expect(paymentStatus(stored()[0]!)).toBe('partiallyRefunded');
  });

  test('refund through the processor: above what is left is 422; a retried request refunds once', async () => {
    const inv = await openInvoice(10_000);
    await applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, 10_000));
    const id = stored()[0]!.id;
    expect((await domainError(refundPayment(deps, me, id, { amount: 10_001 }))).code).toBe('validation');
    await refundPayment(deps, me, id, { amount: 2_500 });
    expect([...processor.refunds.keys()]).toEqual([`refund_${id}_2500`]);
    const other = actorFor('acc_other');
    expect((await domainError(refundPayment(deps, other, id, {}))).code).toBe('not_found');
  });
});

describe('refunds asked for at once', () => {
  async function paid(amount: number) {
    const inv = await openInvoice(amount);
    await applyProcessorEvent(deps, settlement('checkoutCompleted', inv.id, amount));
    return { inv, id: stored()[0]!.id };
  }
  /** Holds the processor's refund calls until the returned function is called. */
  function holdProcessor() {
    let release!: () => void;
    processor.holdRefunds = new Promise((r) => (release = r));
    return () => {
      processor.holdRefunds = null;
      release();
    };
  }

  test('two refunds of the same amount at once: one refunds, the other is 409; a later one refunds again', async () => {
    const { inv, id } = await paid(10_000);
    const release = holdProcessor();
    const first = refundPayment(deps, me, id, { amount: 2_000 });
    const second = domainError(refundPayment(deps, me, id, { amount: 2_000 }));
    expect((await second).code).toBe('conflict');
    release();
    await first;
    expect([...processor.refunds.values()]).toEqual([{ paymentIntentId: 'pi_1', amount: 2_000 }]);
    // Once the first has finished, the same request again is a second refund, not a no-op.
    await refundPayment(deps, me, id, { amount: 2_000 });
    expect([...processor.refunds.keys()]).toEqual([`refund_${id}_2000`, `refund_${id}_4000`]);
    expect(stored()[0]!.online).toMatchObject({ refundedAmount: 4_000 });
    expect(stored()[0]!.online!.refundInProgress).toBeUndefined();
    expect((await d.invoices.get(ACC, inv.id))!.totals).toMatchObject({ amountPaid: 6_000, balanceDue: 4_000 });
  });

  test('a request that died after its claim is finished by the next one, with the same key, after a minute', async () => {
    const { id } = await paid(10_000);
    processor.failRefunds = true; // the processor call's outcome is unknown: the claim stays
    await expect(refundPayment(deps, me, id, { amount: 3_000 })).rejects.toThrow('processor unavailable');
    processor.failRefunds = false;
    expect((await domainError(refundPayment(deps, me, id, { amount: 1_000 }))).code).toBe('conflict');
    d.clock.advance(61_000);
    await refundPayment(deps, me, id, { amount: 1_000 });
    expect([...processor.refunds.entries()]).toEqual([
      [`refund_${id}_3000`, { paymentIntentId: 'pi_1', amount: 3_000 }],
      [`refund_${id}_4000`, { paymentIntentId: 'pi_1', amount: 1_000 }],
    ]);
    expect(stored()[0]!.online).toMatchObject({ refundedAmount: 4_000 });
  });

  test('a refund the processor refuses releases its claim: the next request is not held back', async () => {
    const { id } = await paid(10_000);
    processor.refuseRefunds = true;
    await expect(refundPayment(deps, me, id, { amount: 3_000 })).rejects.toThrow('Charge has a dispute');
    expect(stored()[0]!.online!.refundInProgress).toBeUndefined();
    processor.refuseRefunds = false;
    await refundPayment(deps, me, id, { amount: 3_000 });
    expect(stored()[0]!.online).toMatchObject({ refundedAmount: 3_000 });
  });

  test("the processor's own event settles a claim too", async () => {
    const { id } = await paid(10_000);
    const release = holdProcessor();
    const asked = refundPayment(deps, me, id, { amount: 2_500 });
    await until('the refund is claimed', async () => stored()[0]!.online!.refundInProgress !== undefined);
    const event: ProcessorEvent = {
      kind: 'refunded',
      eventId: 'evt_r2500',
      paymentIntentId: 'pi_1',
      amountRefunded: 2_500,
      occurredAt: '2026-11-28T10:00:00Z',
    };
    expect(await applyProcessorEvent(deps, event)).toBe('applied');
    expect(stored()[0]!.online!.refundInProgress).toBeUndefined();
    release();
    await asked;
    expect(stored()[0]!.online).toMatchObject({ refundedAmount: 2_500 });
  });
});

describe('checkout', () => {
  test('the session asks for the balance, the methods, the addresses and the return URLs; void expires it', async () => {
    const inv = await openInvoice(12_345, {
      billing: { paymentMethods: ['card'], collectBillingAddress: true, collectShippingAddress: true },
    });
    const { url } = await startCheckout(
      deps,
      { slug: inv.slug, host: undefined, serviceHost: 'pay.example' },
      {},
      'req_1',
    );
    expect(url).toBe('https://checkout.example/1');
    expect(processor.checkouts[0]).toMatchObject({
      connectedAccountId: `acct_test_${ACC}`,
      amount: 12_345,
      currency: 'USD',
      methods: ['card'],
      collectBillingAddress: true,
      shippingCountries: [],
      successUrl: `https://pay.example/i/${inv.slug}?checkout=success`,
      cancelUrl: `https://pay.example/i/${inv.slug}?checkout=cancelled`,
      idempotencyKey: `checkout_${inv.id}_req_1`,
    });
    expect(await expireOpenCheckouts(deps, ACC, inv.id)).toBe(1);
    expect(processor.expired).toEqual(['cs_test_1']);
    expect(await expireOpenCheckouts(deps, ACC, inv.id)).toBe(0);
  });
});
