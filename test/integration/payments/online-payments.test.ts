import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';
import { until } from '../../support/until.js';

/**
 * Online payments against the real parts: DynamoDB Local, the local API server with the real
 * handlers, and the processor emulator, which the Stripe SDK adapter calls over HTTP and which
 * delivers signed events back to `POST /webhooks/stripe`.
 */
let stack: Stack;
let api: ReturnType<typeof client>;
let contactId: string;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
});
afterAll(async () => stack?.close());

async function openInvoice(unitPrice: number, extra: Record<string, unknown> = {}) {
  const draft = await api('POST', '/invoices', {
    contacts: [contactId],
    lineItems: [{ name: 'Work', unitPrice }],
    ...extra,
  });
  expect(draft.status).toBe(201);
  const open = await api('POST', `/invoices/${draft.body.id}/finalize`);
  expect(open.status).toBe(200);
  return open.body;
}

/** What the buyer page's form does: a form post, answered with a 303 to the hosted checkout. */
async function checkout(slug: string, amount?: number) {
  const res = await fetch(`${stack.baseUrl}/i/${slug}/checkout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: amount === undefined ? '' : `amount=${amount}`,
  });
  const location = res.headers.get('location');
  const text = await res.text();
  return { status: res.status, location, sessionId: location?.split('/').pop() ?? null, body: text };
}

const completeSession = (sessionId: string, method: string) =>
  fetch(`${stack.payments.endpoint}/v1/test_helpers/checkout/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_local', 'content-type': 'application/x-www-form-urlencoded' },
    body: `payment_method=${method}`,
  });

const payments = async (invoiceId: string) =>
  (await api('GET', `/invoices/${invoiceId}/payments`)).body.results as any[];
const invoice = async (id: string) => (await api('GET', `/invoices/${id}`)).body;

function signedPost(payload: string, opts: { secret?: string; timestamp?: number; header?: string | null } = {}) {
  const header =
    opts.header === undefined
      ? Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: opts.secret ?? stack.payments.webhookSecret,
          ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
        })
      : opts.header;
  return fetch(`${stack.baseUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header !== null ? { 'stripe-signature': header } : {}) },
    body: payload,
  });
}

/** An open invoice paid in full by card through the emulator's checkout. */
async function paidByCard(amount: number) {
  const inv = await openInvoice(amount);
  const { sessionId } = await checkout(inv.slug);
  await completeSession(sessionId!, 'pm_card_visa');
  await until('paid', async () => (await invoice(inv.id)).status === 'paid');
  return { inv, sessionId: sessionId! };
}

const eventsOf = (sessionId: string) =>
  stack.payments.events().filter((e) => (e.data.object as { id: string }).id === sessionId);

describe('settings', () => {
  test('an account starts connected to a test account locally; it can disconnect and connect again', async () => {
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    const first = await other('GET', '/settings/payments');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ processor: 'stripe', status: 'connected' });
    expect(first.body.connectedAccountId).toMatch(/^acct_/);
    const off = await other('PUT', '/settings/payments', { processor: null });
    expect(off.body).toMatchObject({ processor: null, connectedAccountId: null, status: 'disconnected' });
    const bad = await other('PUT', '/settings/payments', { processor: 'stripe', connectedAccountId: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('connectedAccountId');
    const on = await other('PUT', '/settings/payments', { processor: 'stripe', connectedAccountId: 'acct_123abc' });
    expect(on.body).toMatchObject({ status: 'connected', connectedAccountId: 'acct_123abc' });
  });

  test('without a connected processor there is no checkout (409)', async () => {
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    await other('PUT', '/settings/payments', { processor: null });
    const c = (await other('POST', '/contacts', { firstName: 'B' })).body.id;
    const d = (await other('POST', '/invoices', { contacts: [c], lineItems: [{ name: 'W', unitPrice: 100 }] })).body;
    const o = (await other('POST', `/invoices/${d.id}/finalize`)).body;
    expect((await checkout(o.slug)).status).toBe(409);
  });
});

describe('checkout', () => {
  test('a card payment settles the invoice once; the session has the invoice, amount, methods and return URLs', async () => {
    const inv = await openInvoice(12_345, {
      billing: { paymentMethods: ['card', 'ach'], collectBillingAddress: true },
    });
    const c = await checkout(inv.slug);
    expect(c.status).toBe(303);
    expect(c.location).toMatch(new RegExp(`^${stack.payments.endpoint}/checkout/cs_test_`));
    const session = await (
      await fetch(`${stack.payments.endpoint}/v1/checkout/sessions/${c.sessionId}`, {
        headers: { authorization: 'Bearer sk_test_local' },
      })
    ).json();
    expect(session).toMatchObject({
      amount_total: 12_345,
      currency: 'usd',
      metadata: { invoiceId: inv.id },
      allowed_payment_method_types: ['card', 'us_bank_account'],
      billing_address_collection: 'required',
      success_url: `${inv.url}?checkout=success`,
      cancel_url: `${inv.url}?checkout=cancelled`,
    });
    expect((await completeSession(c.sessionId!, 'pm_card_visa')).status).toBe(200);
    const paid = await until('the invoice paid', async () => {
      const i = await invoice(inv.id);
      return i.status === 'paid' && i;
    });
    expect(paid.totals).toMatchObject({ amountPaid: 12_345, balanceDue: 0 });
    const list = await payments(inv.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      amount: 12_345,
      currency: 'USD',
      method: 'card',
      source: 'online',
      status: 'succeeded',
      processor: { name: 'stripe', checkoutSessionId: c.sessionId },
    });
    expect(list[0].processor.paymentIntentId).toMatch(/^pi_/);
    const history = (await api('GET', `/invoices/${inv.id}/history?limit=100`)).body.results as any[];
    expect(history.at(-1)).toMatchObject({ action: 'paid', actor: { type: 'system', id: 'payment-processor' } });
    // A paid invoice takes no more checkouts.
    expect((await checkout(inv.slug)).status).toBe(409);
  });

  test('a declined card changes nothing: the session stays open', async () => {
    const inv = await openInvoice(5_000);
    const c = await checkout(inv.slug);
    const res = await completeSession(c.sessionId!, 'pm_card_chargeDeclined');
    expect(res.status).toBe(402);
    expect(((await res.json()) as any).error).toMatchObject({ type: 'card_error', code: 'card_declined' });
    await stack.payments.drained();
    expect(await payments(inv.id)).toEqual([]);
    expect((await invoice(inv.id)).totals.balanceDue).toBe(5_000);
    expect((await completeSession(c.sessionId!, 'pm_card_visa')).status).toBe(200);
    await until('paid after a second try', async () => (await invoice(inv.id)).status === 'paid');
  });

  test('ACH is pending (the balance stays due) until it settles; a failed debit changes nothing', async () => {
    const ok = await openInvoice(7_000, { billing: { paymentMethods: ['ach'] } });
    const c = await checkout(ok.slug);
    expect((await completeSession(c.sessionId!, 'pm_usBankAccount_success')).status).toBe(200);
    // Settlement follows a moment later: either state may be seen first, never a balance moved while
    // pending. The invoice is read before the payment: settling moves both in one write, so a payment
    // still pending after the invoice's read means that read was before the settlement.
    const seen = await until('a payment', async () => {
      const before = await invoice(ok.id);
      const l = await payments(ok.id);
      return l.length > 0 && { before, payment: l[0] };
    });
    if (seen.payment.status === 'pending') expect(seen.before.totals.balanceDue).toBe(7_000);
    await until('ACH settled', async () => (await invoice(ok.id)).status === 'paid');
    expect(await payments(ok.id)).toMatchObject([{ method: 'ach', status: 'succeeded', amount: 7_000 }]);

    const bad = await openInvoice(8_000, { billing: { paymentMethods: ['ach'] } });
    const b = await checkout(bad.slug);
    await completeSession(b.sessionId!, 'pm_usBankAccount_failure');
    await until('ACH failed', async () => (await payments(bad.id))[0]?.status === 'failed');
    expect(await invoice(bad.id)).toMatchObject({ status: 'open', totals: { balanceDue: 8_000, amountPaid: 0 } });
  });

  test('partial online payments where allowed; above the balance is 422; drafts 404, not allowed partial 422', async () => {
    const inv = await openInvoice(10_000, { allowPartialPayments: true });
    const over = await checkout(inv.slug, 10_001);
    expect(over.status).toBe(422);
    expect(JSON.parse(over.body).errors[0].path).toBe('amount');
    const part = await checkout(inv.slug, 4_000);
    expect(part.status).toBe(303);
    await completeSession(part.sessionId!, 'pm_card_visa');
    await until('partly paid', async () => (await invoice(inv.id)).totals.amountPaid === 4_000);
    expect((await invoice(inv.id)).status).toBe('open');

    const whole = await openInvoice(10_000);
    expect((await checkout(whole.slug, 4_000)).status).toBe(422);
    const draft = (
      await api('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'W', unitPrice: 100 }] })
    ).body;
    expect((await checkout(draft.slug)).status).toBe(404);
  });
});

describe('webhooks', () => {
  test('a forged, unsigned or stale event is 400 and changes nothing', async () => {
    const { sessionId } = await paidByCard(3_000);
    const real = eventsOf(sessionId)[0]!;
    // The same event re-aimed at another invoice: without the right secret it is not believed.
    const target = await openInvoice(3_000);
    const forged = JSON.stringify({
      ...real,
      id: 'evt_forged',
      data: {
        object: {
          ...real.data.object,
          metadata: { ...(real.data.object as any).metadata, invoiceId: target.id },
          payment_intent: 'pi_forged',
        },
      },
    });
    const responses = [
      await signedPost(forged, { secret: 'whsec_wrong' }),
      await signedPost(forged, { header: null }),
      await signedPost(forged, { header: 't=1,v1=deadbeef' }),
      await signedPost(forged, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }),
    ];
    for (const r of responses) {
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await payments(target.id)).toEqual([]);
    expect((await invoice(target.id)).status).toBe('open');
  });

  test('a genuinely signed event from another connected account naming this invoice is not counted', async () => {
    const { sessionId } = await paidByCard(3_000);
    const real = eventsOf(sessionId)[0]!;
    // Another business on the platform pays its own session and puts this account's invoice in the
    // metadata: Stripe signs it, but the money went to that business, not to this account.
    const target = await openInvoice(3_000);
    const targetCheckout = await checkout(target.slug);
    for (const session of [sessionId, targetCheckout.sessionId!]) {
      const elsewhere = JSON.stringify({
        ...real,
        id: `evt_elsewhere_${session}`,
        account: 'acct_someoneelse',
        data: {
          object: {
            ...real.data.object,
            id: session,
            metadata: { ...(real.data.object as any).metadata, invoiceId: target.id },
            payment_intent: `pi_elsewhere_${session}`,
          },
        },
      });
      expect((await signedPost(elsewhere)).status).toBe(200);
    }
    expect(await payments(target.id)).toEqual([]);
    expect((await invoice(target.id)).status).toBe('open');
  });

  test('the same events delivered 5 times and out of order record one payment', async () => {
    const inv = await openInvoice(9_900, { billing: { paymentMethods: ['ach'] } });
    const c = await checkout(inv.slug);
    await completeSession(c.sessionId!, 'pm_usBankAccount_success');
    await until('settled', async () => (await invoice(inv.id)).status === 'paid');
    const events = eventsOf(c.sessionId!);
    expect(events.map((e) => e.type)).toEqual([
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
    ]);
    // Async success before completed, each five times, some at once.
    const replays = [...events].reverse().flatMap((e) => Array.from({ length: 5 }, () => JSON.stringify(e)));
    const answers = await Promise.all(replays.map((p) => signedPost(p)));
    expect(answers.map((a) => a.status)).toEqual(replays.map(() => 200));
    expect(await payments(inv.id)).toHaveLength(1);
    expect((await invoice(inv.id)).totals).toMatchObject({ amountPaid: 9_900, balanceDue: 0 });
  });

  test('async success arriving before completed, on a fresh invoice, records one succeeded payment', async () => {
    const inv = await openInvoice(4_400, { billing: { paymentMethods: ['ach'] } });
    const c = await checkout(inv.slug);
    await completeSession(c.sessionId!, 'pm_usBankAccount_success');
    await until('settled', async () => (await invoice(inv.id)).status === 'paid');
    const [completed, succeeded] = eventsOf(c.sessionId!);
    // Replayed as a new payment intent on another invoice, in the wrong order.
    const other = await openInvoice(4_400, { billing: { paymentMethods: ['ach'] } });
    const otherSession = (await checkout(other.slug)).sessionId!;
    const retarget = (e: typeof completed, id: string) =>
      JSON.stringify({
        ...e,
        id,
        data: {
          object: {
            ...e!.data.object,
            id: otherSession,
            payment_intent: 'pi_ooo' + other.id.slice(-10),
            metadata: { accountId: (e!.data.object as any).metadata.accountId, invoiceId: other.id },
          },
        },
      });
    expect((await signedPost(retarget(succeeded, 'evt_ooo_2'))).status).toBe(200);
    expect((await signedPost(retarget(completed, 'evt_ooo_1'))).status).toBe(200);
    expect(await payments(other.id)).toMatchObject([{ status: 'succeeded', amount: 4_400, method: 'ach' }]);
    expect((await invoice(other.id)).status).toBe('paid');
  });
});

describe('more than is due', () => {
  test('two sessions paid at once on a 100.00 invoice never take more than is due: the extra is refunded', async () => {
    const inv = await openInvoice(10_000);
    const [a, b] = [await checkout(inv.slug), await checkout(inv.slug)];
    await Promise.all([completeSession(a.sessionId!, 'pm_card_visa'), completeSession(b.sessionId!, 'pm_card_visa')]);
    const settled = await until('one applied, one refunded', async () => {
      const l = await payments(inv.id);
      return l.length === 2 && l.some((p) => p.status === 'refunded') && l;
    });
    expect(settled.map((p: any) => p.status).sort()).toEqual(['refunded', 'succeeded']);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', totals: { amountPaid: 10_000, balanceDue: 0 } });
    const refunded = settled.find((p: any) => p.status === 'refunded');
    expect(refunded).toMatchObject({ refundedAmount: 10_000, autoRefundedAmount: 10_000 });
    await stack.payments.drained();
    const refunds = stack.payments
      .events()
      .filter(
        (e) =>
          e.type === 'charge.refunded' && (e.data.object as any).payment_intent === refunded.processor.paymentIntentId,
      );
    expect(refunds.length).toBeGreaterThan(0);
    expect((refunds.at(-1)!.data.object as any).amount_refunded).toBe(10_000);
  });

  test('void while the buyer is on the checkout page: the late payment is refunded, the invoice stays void', async () => {
    const inv = await openInvoice(6_000);
    const c = await checkout(inv.slug);
    expect((await api('POST', `/invoices/${inv.id}/void`)).status).toBe(200);
    // The session may already be expired by the void; if the buyer was faster, the payment lands late.
    const res = await completeSession(c.sessionId!, 'pm_card_visa');
    if (res.status === 200) {
      await until('refunded', async () => (await payments(inv.id))[0]?.status === 'refunded');
    } else {
      expect(((await res.json()) as any).error.code).toBe('checkout_session_not_open');
    }
    expect(await invoice(inv.id)).toMatchObject({ status: 'voided', totals: { amountPaid: 0 } });
  });
});

describe('refunds and voids', () => {
  test('refund through the processor, partial then full: the balance and status follow', async () => {
    const { inv } = await paidByCard(10_000);
    const [p] = await payments(inv.id);
    const over = await api('POST', `/payments/${p.id}/refund`, { amount: 10_001 });
    expect(over.status).toBe(422);
    const part = await api('POST', `/payments/${p.id}/refund`, { amount: 2_500 });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ status: 'partiallyRefunded', refundedAmount: 2_500 });
    expect(part.body.invoice).toMatchObject({ status: 'open', totals: { amountPaid: 7_500, balanceDue: 2_500 } });
    const rest = await api('POST', `/payments/${p.id}/refund`, {});
    expect(rest.body).toMatchObject({ status: 'refunded', refundedAmount: 10_000 });
    expect(rest.body.invoice).toMatchObject({ status: 'open', totals: { amountPaid: 0, balanceDue: 10_000 } });
    // The processor's own charge.refunded events, delivered after, change nothing more.
    await stack.payments.drained();
    expect((await invoice(inv.id)).totals).toMatchObject({ amountPaid: 0, balanceDue: 10_000 });
    expect((await api('POST', `/payments/${p.id}/void`)).status).toBe(409);
  });

  test('refunds of the same amount at once never collapse into one: each 200 is a refund of its own, the rest 409', async () => {
    const { inv } = await paidByCard(10_000);
    const [p] = await payments(inv.id);
    const answers = await Promise.all([1, 2, 3].map(() => api('POST', `/payments/${p.id}/refund`, { amount: 2_000 })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const made = statuses.filter((s) => s === 200).length;
    expect(made).toBeGreaterThan(0);
    await stack.payments.drained();
    const [after] = await payments(inv.id);
    expect(after.refundedAmount).toBe(2_000 * made);
    expect((await invoice(inv.id)).totals).toMatchObject({ amountPaid: 10_000 - 2_000 * made });
  });

  test('a recorded payment is voided or refunded by recording it; another account gets 404', async () => {
    const inv = await openInvoice(5_000, { allowPartialPayments: true });
    const rec = await api('POST', `/invoices/${inv.id}/payments`, {
      amount: 5_000,
      paidAt: '2026-11-20',
      method: 'check',
    });
    expect(rec.status).toBe(201);
    const stranger = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await stranger('POST', `/payments/${rec.body.id}/void`)).status).toBe(404);
    expect((await stranger('POST', `/payments/${rec.body.id}/refund`, {})).status).toBe(404);
    const voided = await api('POST', `/payments/${rec.body.id}/void`);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'voided', source: 'recorded' });
    expect(voided.body.invoice).toMatchObject({ status: 'open', totals: { amountPaid: 0, balanceDue: 5_000 } });
    expect((await api('POST', `/payments/${rec.body.id}/void`)).status).toBe(409);
  });
});
