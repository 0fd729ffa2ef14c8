import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDeliveryPoller } from '../../../infra/local/delivery-poller.js';
import { client, uniqueAccount } from '../../support/local-stack.js';
import { pdfServed, startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';
import { startReceiver } from '../../support/webhook-receiver.js';

let s: StreamStack;
let api: StreamStack['api'];
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let poller: ReturnType<typeof startDeliveryPoller>;
let healthy = new Set<string>();

beforeAll(async () => {
  // Read once by the handlers at their cold start, as in Lambda: a developer's receiver on
  // loopback is allowed, and retries come after 1 s, then 1 s (then the delivery is failed).
  process.env.WEBHOOKS_ALLOW_LOOPBACK = '1';
  process.env.WEBHOOK_RETRY_SECONDS = '1,1';
  receiver = await startReceiver((path, nth) => {
    if (path === '/hang') return 'hang';
    if (path === '/flaky') return nth <= 2 ? 500 : 200;
    if (path === '/down') return healthy.has(path) ? 204 : 503;
    return 200;
  });
  s = await startStreamStack('webhooks');
  api = s.api;
  const { handler } = await import('../../../functions/webhooks/delivery.handler.js');
  poller = startDeliveryPoller({ handler });
});
afterAll(async () => {
  await receiver?.close();
  await poller?.stop();
  await s?.close();
});

async function endpoint(path: string, events: string[]) {
  const res = await api('POST', '/webhook-endpoints', { url: receiver.url(path), events, description: path });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; url: string; events: string[] };
}

async function openInvoice() {
  const draft = (
    await api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'Consulting', unitPrice: 12_500 }] })
  ).body;
  const open = await api('POST', `/invoices/${draft.id}/finalize`);
  expect(open.status).toBe(200);
  return open.body as { id: string; version: number };
}

const verify = (secret: string, r: { headers: Record<string, string>; body: string }) =>
  new Webhook(secret).verify(r.body, r.headers) as { id: string; type: string; data: { object: any } };

const eventsAt = (path: string, invoiceId?: string) =>
  receiver
    .at(path)
    .map((r) => ({ ...r, event: JSON.parse(r.body) }))
    .filter((r) => !invoiceId || r.event.data.object.id === invoiceId || r.event.data.object.invoiceId === invoiceId);

describe('endpoints', () => {
  test('the secret is shown on create only; the endpoint reads back without it', async () => {
    const created = await endpoint('/read', ['invoice.paid']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await api('GET', `/webhook-endpoints/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: created.id,
      url: receiver.url('/read'),
      events: ['invoice.paid'],
      status: 'enabled',
    });
    expect(JSON.stringify(read.body)).not.toContain(created.secret.slice(6));
    const list = await api('GET', '/webhook-endpoints');
    expect(list.body.results.map((e: { id: string }) => e.id)).toContain(created.id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    const patched = await api(
      'PATCH',
      `/webhook-endpoints/${created.id}`,
      { events: ['*'] },
      { 'if-match': `"${read.body.version}"` },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.events).toEqual(['*']);
    expect((await api('DELETE', `/webhook-endpoints/${created.id}`)).status).toBe(204);
    expect((await api('GET', `/webhook-endpoints/${created.id}`)).status).toBe(404);
  });

  test('an unknown event type or a mixed "*" is 422 naming events', async () => {
    const bad = await api('POST', '/webhook-endpoints', { url: receiver.url('/x'), events: ['invoice.exploded'] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('events.0');
    const mixed = await api('POST', '/webhook-endpoints', { url: receiver.url('/x'), events: ['*', 'invoice.paid'] });
    expect(mixed.status).toBe(422);
  });

  test.each([
    ['plain http to a public host', 'http://93.184.215.14/hook'],
    ['RFC 1918 10/8', 'https://10.0.0.5/hook'],
    ['RFC 1918 172.16/12', 'https://172.16.4.1/hook'],
    ['RFC 1918 192.168/16', 'https://192.168.1.1/hook'],
    ['IPv6 unique local', 'https://[fd12:3456::1]/hook'],
    ['link-local', 'https://169.254.10.10/hook'],
    ['IPv6 link-local', 'https://[fe80::1]/hook'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data'],
    ['cloud metadata (IPv6)', 'https://[fd00:ec2::254]/'],
    ['cloud metadata host', 'https://metadata.google.internal/'],
    ['Azure wire server', 'https://168.63.129.16/'],
    ['CGNAT', 'https://100.64.0.1/hook'],
    ['multicast', 'https://224.0.0.1/hook'],
    ['unspecified', 'https://0.0.0.0/hook'],
    ['IPv4-mapped private', 'https://[::ffff:10.0.0.1]/hook'],
    ['not http(s)', 'ftp://93.184.215.14/hook'],
    ['credentials in the URL', 'https://user:pw@93.184.215.14/hook'],
    ['not a URL', 'receiver'],
  ])('refused at creation: %s → 422 naming url', async (_, url) => {
    const res = await api('POST', '/webhook-endpoints', { url, events: ['*'] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('url');
  });

  test('a public https URL is accepted; changing it to a private one is 422', async () => {
    const ok = await api('POST', '/webhook-endpoints', { url: 'https://93.184.215.14/hook', events: ['invoice.paid'] });
    expect(ok.status).toBe(201);
    const bad = await api('PATCH', `/webhook-endpoints/${ok.body.id}`, { url: 'https://10.1.2.3/' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('url');
    await api('DELETE', `/webhook-endpoints/${ok.body.id}`);
  });

  test("account B sees none of A's endpoints or deliveries", async () => {
    const mine = await endpoint('/mine', ['invoice.paid']);
    const ping = await api('POST', `/webhook-endpoints/${mine.id}/test`);
    expect(ping.status).toBe(201);
    const other = client(s.stack.baseUrl, await s.stack.token(uniqueAccount('b')));
    expect((await other('GET', `/webhook-endpoints/${mine.id}`)).status).toBe(404);
    expect((await other('GET', `/webhook-endpoints/${mine.id}/deliveries`)).status).toBe(404);
    expect((await other('POST', `/webhook-endpoints/${mine.id}/test`)).status).toBe(404);
    expect((await other('POST', `/webhook-endpoints/${mine.id}/rotate-secret`)).status).toBe(404);
    expect((await other('POST', `/webhook-endpoints/${mine.id}/deliveries/${ping.body.id}/retry`)).status).toBe(404);
    expect((await other('GET', '/webhook-endpoints')).body.results).toEqual([]);
    const readOnly = client(s.stack.baseUrl, await s.stack.token(uniqueAccount(), { permissions: ['invoices:read'] }));
    expect((await readOnly('GET', '/webhook-endpoints')).status).toBe(403);
    await until('the ping', async () => receiver.at('/mine').length === 1);
    await api('DELETE', `/webhook-endpoints/${mine.id}`);
  });
});

describe('deliveries', () => {
  test('finalize and pay reach a subscribed endpoint, signed; data.object is the API JSON; unsubscribed events do not come', async () => {
    const sub = await endpoint('/billing', ['invoice.finalized', 'invoice.paid']);
    const inv = await openInvoice();
    const paid = await api('POST', `/invoices/${inv.id}/mark-paid`, {});
    expect(paid.status).toBe(200);
    const got = await until('finalized and paid', async () => {
      const e = eventsAt('/billing', inv.id);
      return e.length >= 2 && e;
    });
    expect(got.map((r) => verify(sub.secret, r).type).sort()).toEqual(['invoice.finalized', 'invoice.paid']);
    const paidEvent = got.find((r) => r.event.type === 'invoice.paid')!;
    expect(paidEvent.event).toMatchObject({ id: expect.stringMatching(/^evt_/), accountId: expect.any(String) });
    expect(paidEvent.headers['webhook-id']).toBe(paidEvent.event.id);
    // The object is what GET /invoices/{id} answers (once the paid PDF is marked ready, nothing moves).
    await until('the paid PDF', () => pdfServed(api, inv.id));
    const now = (await api('GET', `/invoices/${inv.id}`)).body;
    expect(paidEvent.event.data.object).toEqual(now);
    // A wrong secret does not verify.
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, paidEvent)).toThrow();
    // Created and updated went out on the stream but not here; the log shows the two deliveries, delivered.
    expect(s.eventsOf('invoice.created').some((e) => e.invoiceId === inv.id)).toBe(true);
    expect(eventsAt('/billing', inv.id).map((r) => r.event.type)).not.toContain('invoice.created');
    const log = (await api('GET', `/webhook-endpoints/${sub.id}/deliveries`)).body.results;
    expect(log.filter((d: any) => d.status === 'succeeded' && d.attempts[0].statusCode === 200)).toHaveLength(2);
  });

  test('a recorded payment is delivered with the payment as the object', async () => {
    const sub = await endpoint('/payments', ['invoice.paymentRecorded']);
    const inv = await openInvoice();
    const pay = await api('POST', `/invoices/${inv.id}/payments`, {
      amount: 12_500,
      paidAt: '2026-11-20',
      method: 'check',
    });
    expect(pay.status).toBe(201);
    const [r] = await until('the payment event', async () => {
      const e = eventsAt('/payments', inv.id);
      return e.length >= 1 && e;
    });
    const event = verify(sub.secret, r!);
    expect(event.type).toBe('invoice.paymentRecorded');
    const { invoice: _i, ...payment } = pay.body;
    expect(event.data.object).toEqual(payment);
  });

  test('an endpoint failing 500 twice gets the third attempt with the same webhook-id; the log shows every attempt', async () => {
    const sub = await endpoint('/flaky', ['invoice.finalized']);
    const inv = await openInvoice();
    const got = await until(
      'three attempts',
      async () => {
        const e = eventsAt('/flaky', inv.id);
        return e.length >= 3 && e;
      },
      30_000,
    );
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verify(sub.secret, r).type).toBe('invoice.finalized');
    // About a second apart (the retry schedule), not back to back.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(900);
    const [delivery] = await until('the delivery succeeded', async () => {
      const log = (await api('GET', `/webhook-endpoints/${sub.id}/deliveries`)).body.results;
      return log[0]?.status === 'succeeded' && log;
    });
    expect(delivery.eventType).toBe('invoice.finalized');
    expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivery.attempts[0].nextRetryAt).not.toBeNull();
    expect(delivery.attempts[2].nextRetryAt).toBeNull();
    // Response bodies are kept to 1 KB.
    expect(Buffer.byteLength(delivery.attempts[0].responseBody)).toBeLessThanOrEqual(1024);
    expect(delivery.attempts[0].responseBody).toMatch(/^failed with 500/);
  });

  test('after the schedule a delivery is failed; a manual retry attempts it once more with the same webhook-id', async () => {
    const sub = await endpoint('/down', ['invoice.finalized']);
    await openInvoice();
    const failed = await until(
      'the delivery given up',
      async () => {
        const log = (await api('GET', `/webhook-endpoints/${sub.id}/deliveries`)).body.results;
        return log[0]?.status === 'failed' && log[0];
      },
      30_000,
    );
    expect(failed.attempts.map((a: any) => a.statusCode)).toEqual([503, 503, 503]);
    healthy.add('/down');
    const retried = await api('POST', `/webhook-endpoints/${sub.id}/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('pending');
    const done = await until('the manual attempt', async () => {
      const d = (await api('GET', `/webhook-endpoints/${sub.id}/deliveries`)).body.results[0];
      return d.status === 'succeeded' && d;
    });
    expect(done.attempts.map((a: any) => a.statusCode)).toEqual([503, 503, 503, 204]);
    const heads = receiver.at('/down').map((r) => r.headers['webhook-id']);
    expect(new Set(heads).size).toBe(1);
    healthy = new Set();
  });

  test('an endpoint that hangs does not delay another endpoint or the PDF', async () => {
    await endpoint('/hang', ['invoice.finalized']);
    await endpoint('/quick', ['invoice.finalized']);
    const first = await openInvoice();
    await until('the hanging endpoint was called', async () => eventsAt('/hang', first.id).length === 1);
    // While that request hangs (up to the 10 s timeout), the next invoice goes through.
    const started = Date.now();
    const second = await openInvoice();
    await until('the PDF', () => pdfServed(api, second.id), 9_000);
    await until('the quick endpoint', async () => eventsAt('/quick', second.id).length === 1, 9_000);
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  test('after rotation both secrets verify during the overlap', async () => {
    const sub = await endpoint('/rotate', ['invoice.paid']);
    const rotated = await api('POST', `/webhook-endpoints/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(rotated.body.secretRotatedAt).not.toBeNull();
    const ping = await api('POST', `/webhook-endpoints/${sub.id}/test`);
    expect(ping.status).toBe(201);
    const [r] = await until('the ping', async () => {
      const e = receiver.at('/rotate');
      return e.length >= 1 && e;
    });
    expect(r!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(sub.secret, r!).type).toBe('ping');
    expect(verify(rotated.body.secret, r!).type).toBe('ping');
  });
});
