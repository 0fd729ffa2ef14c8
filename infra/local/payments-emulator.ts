import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import Stripe from 'stripe';

/**
 * The local payment processor: the part of Stripe's HTTP API the adapter calls (form-encoded
 * bodies, `Stripe-Account`, `Idempotency-Key`, Stripe's error shapes), a hosted checkout page a
 * person can use, a test helper that completes a session without the page, and signed webhook
 * delivery with Stripe's own signature scheme (the SDK's `generateTestHeaderString`). Its objects
 * are typed with the SDK's types (`Pick`s of them), so a field it names cannot drift from Stripe's.
 */

type Session = Pick<
  Stripe.Checkout.Session,
  | 'id'
  | 'object'
  | 'mode'
  | 'status'
  | 'payment_status'
  | 'amount_total'
  | 'amount_subtotal'
  | 'currency'
  | 'metadata'
  | 'client_reference_id'
  | 'payment_intent'
  | 'payment_method_types'
  | 'allowed_payment_method_types'
  | 'success_url'
  | 'cancel_url'
  | 'url'
  | 'created'
  | 'expires_at'
  | 'livemode'
  | 'billing_address_collection'
  | 'shipping_address_collection'
>;
type Charge = Pick<
  Stripe.Charge,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_refunded'
  | 'refunded'
  | 'currency'
  | 'payment_intent'
  | 'metadata'
  | 'created'
  | 'livemode'
  | 'disputed'
>;
type Refund = Pick<
  Stripe.Refund,
  'id' | 'object' | 'amount' | 'currency' | 'payment_intent' | 'charge' | 'status' | 'created' | 'metadata'
>;
type Dispute = Pick<
  Stripe.Dispute,
  'id' | 'object' | 'amount' | 'currency' | 'charge' | 'payment_intent' | 'status' | 'reason' | 'created' | 'livemode'
>;
type EventObject = Session | Charge | Dispute;
type EmulatedEvent = Pick<
  Stripe.Event,
  'id' | 'object' | 'type' | 'created' | 'livemode' | 'api_version' | 'pending_webhooks'
> & {
  account?: string;
  data: { object: EventObject };
};

/** Test payment methods, as the contract names them. */
export const TEST_METHODS = {
  pm_card_visa: { label: 'Visa 4242 (succeeds)', type: 'card' },
  pm_card_chargeDeclined: { label: 'Card declined', type: 'card' },
  pm_card_createDispute: { label: 'Card, later disputed', type: 'card' },
  pm_usBankAccount_success: { label: 'US bank account (settles a moment later)', type: 'us_bank_account' },
  pm_usBankAccount_failure: { label: 'US bank account (fails a moment later)', type: 'us_bank_account' },
} as const;
type TestMethod = keyof typeof TEST_METHODS;

/** A form body as Stripe's bracket notation nests it (qs); each field is checked where it is read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Form = Record<string, any>;

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type PaymentsEmulatorOptions = {
  port: number;
  host?: string;
  /** Where events are delivered (the service's `POST /webhooks/stripe`); none: kept, listed by `GET /v1/events`. */
  webhookUrl?: string;
  webhookSecret: string;
  /** How long a bank debit takes to settle after its checkout completes. */
  settleDelayMs?: number;
};

export type PaymentsEmulator = {
  endpoint: string;
  port: number;
  /** Every event made, oldest first (what `GET /v1/events` lists). */
  events: () => EmulatedEvent[];
  /** Resolves once every event made so far has been delivered (or given up on). */
  drained: () => Promise<void>;
  stop: () => Promise<void>;
};

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startPaymentsEmulator(opts: PaymentsEmulatorOptions): Promise<PaymentsEmulator> {
  const sessions = new Map<string, { session: Session; account: string; method?: TestMethod }>();
  const charges = new Map<string, { charge: Charge; account: string }>(); // by payment intent
  const idempotency = new Map<string, { digest: string; status: number; body: unknown }>();
  const events: EmulatedEvent[] = [];
  const host = opts.host ?? '127.0.0.1';
  let endpoint = '';
  let delivery: Promise<void> = Promise.resolve();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };

  /** Events go out one at a time, in the order made, each retried a few times as Stripe does (faster). */
  const emit = (type: Stripe.Event['type'], object: EventObject, account: string) => {
    const event: EmulatedEvent = {
      id: newId('evt'),
      object: 'event',
      type,
      created: now(),
      livemode: false,
      api_version: Stripe.API_VERSION,
      pending_webhooks: opts.webhookUrl ? 1 : 0,
      account,
      data: { object: structuredClone(object) },
    };
    events.push(event);
    if (opts.webhookUrl) delivery = delivery.then(() => deliver(event));
  };

  const deliver = async (event: EmulatedEvent) => {
    const payload = JSON.stringify(event);
    for (let attempt = 0; attempt < 6 && !stopped; attempt++) {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.webhookSecret });
      try {
        const res = await fetch(opts.webhookUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
          body: payload,
        });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        /* the service is down: retry */
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  };

  const session = (id: string) => {
    const s = sessions.get(id);
    if (!s)
      throw new StripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, {
        code: 'resource_missing',
        param: 'id',
      });
    return s;
  };

  function createSession(body: Form, account: string): Session {
    const line = body.line_items?.[0];
    const amount = Number(line?.price_data?.unit_amount) * Number(line?.quantity ?? 1);
    const currency = String(line?.price_data?.currency ?? '');
    if (body.mode !== 'payment')
      throw new StripeError(400, 'invalid_request_error', 'mode must be payment', { param: 'mode' });
    if (!Number.isSafeInteger(amount) || amount < 1)
      throw new StripeError(400, 'invalid_request_error', 'Invalid integer', {
        param: 'line_items[0][price_data][unit_amount]',
      });
    if (!/^[a-z]{3}$/.test(currency))
      throw new StripeError(400, 'invalid_request_error', 'Invalid currency', {
        param: 'line_items[0][price_data][currency]',
      });
    for (const p of ['success_url', 'cancel_url'])
      if (typeof body[p] !== 'string' || !/^https?:\/\//.test(body[p]))
        throw new StripeError(400, 'invalid_request_error', `Missing required param: ${p}.`, { param: p });
    const types: string[] = body.allowed_payment_method_types ?? body.payment_method_types ?? ['card'];
    for (const t of types)
      if (t !== 'card' && t !== 'us_bank_account')
        throw new StripeError(400, 'invalid_request_error', `Invalid allowed_payment_method_types: ${t}`, {
          param: 'allowed_payment_method_types',
        });
    const id = `cs_test_${randomBytes(16).toString('hex')}`;
    const s: Session = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      amount_subtotal: amount,
      currency,
      metadata: body.metadata ?? {},
      client_reference_id: body.client_reference_id ?? null,
      payment_intent: null,
      payment_method_types: types,
      allowed_payment_method_types: types,
      success_url: body.success_url,
      cancel_url: body.cancel_url,
      url: `${endpoint}/checkout/${id}`,
      created: now(),
      expires_at: now() + 24 * 3600,
      livemode: false,
      billing_address_collection: body.billing_address_collection ?? null,
      shipping_address_collection: body.shipping_address_collection
        ? { allowed_countries: body.shipping_address_collection.allowed_countries ?? [] }
        : null,
    };
    sessions.set(id, { session: s, account });
    return s;
  }

  /** Pays a session with a test method: what the hosted page and the test helper both do. */
  function complete(id: string, method: string): Session {
    const entry = session(id);
    const s = entry.session;
    if (s.status !== 'open')
      throw new StripeError(400, 'invalid_request_error', `This Checkout Session is ${s.status}`, {
        code: 'checkout_session_not_open',
      });
    if (!(method in TEST_METHODS))
      throw new StripeError(400, 'invalid_request_error', `No such PaymentMethod: '${method}'`, {
        param: 'payment_method',
        code: 'resource_missing',
      });
    const m = method as TestMethod;
    if (!s.payment_method_types.includes(TEST_METHODS[m].type))
      throw new StripeError(400, 'invalid_request_error', `This session does not accept ${TEST_METHODS[m].type}`, {
        param: 'payment_method',
      });
    if (m === 'pm_card_chargeDeclined')
      throw new StripeError(402, 'card_error', 'Your card was declined.', {
        code: 'card_declined',
        decline_code: 'generic_decline',
      });
    const pi = newId('pi');
    const charge: Charge = {
      id: newId('ch'),
      object: 'charge',
      amount: s.amount_total!,
      amount_refunded: 0,
      refunded: false,
      currency: s.currency!,
      payment_intent: pi,
      metadata: s.metadata ?? {},
      created: now(),
      livemode: false,
      disputed: false,
    };
    charges.set(pi, { charge, account: entry.account });
    entry.method = m;
    s.status = 'complete';
    s.payment_intent = pi;
    const bank = TEST_METHODS[m].type === 'us_bank_account';
    s.payment_status = bank ? 'unpaid' : 'paid';
    emit('checkout.session.completed', s, entry.account);
    if (bank) {
      later(opts.settleDelayMs ?? 300, () => {
        const ok = m === 'pm_usBankAccount_success';
        if (ok) s.payment_status = 'paid';
        emit(
          ok ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed',
          s,
          entry.account,
        );
      });
    }
    if (m === 'pm_card_createDispute') {
      later(opts.settleDelayMs ?? 300, () => {
        charge.disputed = true;
        const dispute: Dispute = {
          id: newId('dp'),
          object: 'dispute',
          amount: charge.amount,
          currency: charge.currency,
          charge: charge.id,
          payment_intent: pi,
          status: 'needs_response',
          reason: 'fraudulent',
          created: now(),
          livemode: false,
        };
        emit('charge.dispute.created', dispute, entry.account);
      });
    }
    return s;
  }

  function refund(body: Form, account: string): Refund {
    const pi = String(body.payment_intent ?? '');
    const found = charges.get(pi);
    if (!found || found.account !== account)
      throw new StripeError(404, 'invalid_request_error', `No such payment_intent: '${pi}'`, {
        param: 'payment_intent',
        code: 'resource_missing',
      });
    const { charge } = found;
    const left = charge.amount - charge.amount_refunded;
    const amount = body.amount === undefined ? left : Number(body.amount);
    if (left === 0)
      throw new StripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > left)
      throw new StripeError(
        400,
        'invalid_request_error',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        {
          param: 'amount',
          code: 'amount_too_large',
        },
      );
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const r: Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      payment_intent: pi,
      charge: charge.id,
      status: 'succeeded',
      created: now(),
      metadata: {},
    };
    emit('charge.refunded', charge, account);
    return r;
  }

  const api = async (method: string, path: string, body: Form, account: string): Promise<unknown> => {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') return createSession(body, account);
    if ((m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path)) && method === 'GET') return session(m[1]!).session;
    if ((m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path)) && method === 'POST') {
      const s = session(m[1]!).session;
      if (s.status !== 'open')
        throw new StripeError(
          400,
          'invalid_request_error',
          `Only Checkout Sessions with a status in ["open"] can be expired.`,
        );
      s.status = 'expired';
      return s;
    }
    if ((m = /^\/v1\/test_helpers\/checkout\/sessions\/([^/]+)\/complete$/.exec(path)) && method === 'POST')
      return complete(m[1]!, String(body.payment_method ?? ''));
    if (method === 'POST' && path === '/v1/refunds') return refund(body, account);
    if (method === 'GET' && path === '/v1/events')
      return { object: 'list', data: [...events].reverse(), has_more: false, url: '/v1/events' };
    throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  };

  const page = (s: Session, error?: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay ${esc(s.currency!.toUpperCase())} ${(s.amount_total! / 100).toFixed(2)} — test checkout</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}
button{font-size:1rem;padding:.6rem 1.2rem}.error{color:#b00020}</style></head>
<body><h1>Test checkout</h1>
<p>Amount: <strong id="amount">${esc(s.currency!.toUpperCase())} ${(s.amount_total! / 100).toFixed(2)}</strong></p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${
  s.status === 'open'
    ? `<form method="post" action="/checkout/${esc(s.id)}/pay">
${Object.entries(TEST_METHODS)
  .filter(([, v]) => s.payment_method_types.includes(v.type))
  .map(
    ([k, v], i) =>
      `<label><input type="radio" name="payment_method" value="${k}"${i === 0 ? ' checked' : ''}> ${esc(v.label)}</label>`,
  )
  .join('\n')}
<button type="submit" id="pay">Pay</button></form>
<p><a href="${esc(s.cancel_url ?? '/')}" id="cancel">Cancel and go back</a></p>`
    : `<p id="closed">This checkout is ${esc(s.status ?? 'closed')}.</p>`
}
</body></html>`;

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? qs.parse(raw, { depth: 10, arrayLimit: 100 }) : {}) as Form;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers });
      res.end(JSON.stringify(value));
    };
    const html = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(text);
    };
    try {
      // The hosted page, as a buyer's browser sees it.
      let m: RegExpExecArray | null;
      if ((m = /^\/checkout\/([^/]+)$/.exec(url.pathname)) && method === 'GET')
        return html(200, page(session(m[1]!).session));
      if ((m = /^\/checkout\/([^/]+)\/pay$/.exec(url.pathname)) && method === 'POST') {
        const id = m[1]!;
        try {
          const s = complete(id, String(body.payment_method ?? ''));
          res.writeHead(303, { location: s.success_url! });
          return res.end();
        } catch (e) {
          if (e instanceof StripeError) return html(e.status, page(session(id).session, e.message));
          throw e;
        }
      }
      if (!url.pathname.startsWith('/v1/'))
        return json(404, { error: { type: 'invalid_request_error', message: 'Not found' } });
      const auth = req.headers.authorization ?? '';
      if (!/^Bearer sk_test_\w+/.test(auth))
        throw new StripeError(401, 'invalid_request_error', 'Invalid API Key provided', { code: 'api_key_invalid' });
      const account = String(req.headers['stripe-account'] ?? 'acct_platform');
      const key = req.headers['idempotency-key'];
      if (method === 'POST' && typeof key === 'string') {
        const scope = `${account}|${key}`;
        const digest = createHash('sha256').update(`${url.pathname}\n${raw}`).digest('hex');
        const seen = idempotency.get(scope);
        if (seen) {
          if (seen.digest !== digest)
            throw new StripeError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
            );
          return json(seen.status, seen.body, { 'idempotent-replayed': 'true' });
        }
        try {
          const result = await api(method, url.pathname, body, account);
          idempotency.set(scope, { digest, status: 200, body: result });
          return json(200, result);
        } catch (e) {
          // Stripe saves 4xx answers for the key too (a retry gets the same refusal).
          if (e instanceof StripeError && e.status < 500) {
            const error = { error: { type: e.type, message: e.message, ...e.extra } };
            idempotency.set(scope, { digest, status: e.status, body: error });
          }
          throw e;
        }
      }
      return json(200, await api(method, url.pathname, body, account));
    } catch (e) {
      if (e instanceof StripeError) return json(e.status, { error: { type: e.type, message: e.message, ...e.extra } });
      json(500, { error: { type: 'api_error', message: e instanceof Error ? e.message : 'error' } });
    }
  };

  const server: Server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    port,
    events: () => [...events],
    drained: async () => {
      let seen: Promise<void> | undefined;
      while (seen !== delivery) {
        seen = delivery;
        await seen;
      }
    },
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
