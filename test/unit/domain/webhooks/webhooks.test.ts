import { beforeEach, expect, test } from 'vitest';
import { attemptDelivery } from '../../../../domain/webhooks/attempt-delivery.js';
import { DEFAULT_RETRY_SECONDS, parseRetrySchedule } from '../../../../domain/webhooks/delivery.js';
import { signingSecrets } from '../../../../domain/webhooks/webhook-endpoint.js';
import {
  createEndpoint,
  fanOut,
  retryDelivery,
  rotateSecret,
  type OutgoingEvent,
} from '../../../../domain/webhooks/webhook-use-cases.js';
import { actorFor, domainError, FakeClock, SequentialIds } from '../../../support/in-memory.js';
import {
  InMemoryDeliveries,
  InMemoryEndpoints,
  namedSigner,
  RecordingQueue,
  ScriptedSender,
} from '../../../support/in-memory-webhooks.js';

const me = actorFor('acc_1');
let clock: FakeClock;
let deps: {
  endpoints: InMemoryEndpoints;
  deliveries: InMemoryDeliveries;
  queue: RecordingQueue;
  guard: { check: () => Promise<void> };
  signer: typeof namedSigner;
  clock: FakeClock;
  ids: SequentialIds;
};

beforeEach(() => {
  clock = new FakeClock('2026-11-30T10:00:00Z');
  deps = {
    endpoints: new InMemoryEndpoints(),
    deliveries: new InMemoryDeliveries(),
    queue: new RecordingQueue(),
    guard: { check: async () => undefined },
    signer: namedSigner,
    clock,
    ids: new SequentialIds(),
  };
});

const event = (type: string, n = 1): OutgoingEvent => ({
  id: `evt_${n}`,
  type,
  accountId: 'acc_1',
  occurredAt: '2026-11-30T09:59:00Z',
});
const deliveryDeps = (sender: ScriptedSender, retrySeconds = [5, 300]) => ({ ...deps, sender, retrySeconds });

test('fan-out: one delivery per subscribed endpoint; a replayed event is recorded and queued once', async () => {
  await createEndpoint(deps, me, { url: 'https://a.example/', events: ['invoice.paid'] });
  await createEndpoint(deps, me, { url: 'https://b.example/', events: ['*'] });
  await createEndpoint(deps, me, { url: 'https://c.example/', events: ['invoice.voided'] });
  const objectOf = async () => ({ id: 'inv_1' });
  expect(await fanOut(deps, [event('invoice.paid')], objectOf)).toBe(2);
  // Replayed before any attempt (the first run may have stopped before queueing): queued again, not recorded again.
  expect(await fanOut(deps, [event('invoice.paid')], objectOf)).toBe(2);
  expect(deps.deliveries.items.size).toBe(2);
  const sender = new ScriptedSender([200, 200]);
  for (const m of deps.queue.messages) await attemptDelivery(deliveryDeps(sender), m);
  // The duplicate messages found their deliveries done: two requests, not four.
  expect(sender.sent).toHaveLength(2);
  expect(await fanOut(deps, [event('invoice.paid')], objectOf)).toBe(0);
  const body = JSON.parse([...deps.deliveries.items.values()][0]!.payload);
  expect(body).toEqual({
    id: 'evt_1',
    type: 'invoice.paid',
    createdAt: '2026-11-30T09:59:00Z',
    accountId: 'acc_1',
    data: { object: { id: 'inv_1' } },
  });
  // Another account's event reaches none of them.
  expect(await fanOut(deps, [{ ...event('invoice.paid', 2), accountId: 'acc_2' }], objectOf)).toBe(0);
});

test('a failing delivery follows the schedule, then is failed; a manual retry is one more attempt', async () => {
  const { endpoint } = await createEndpoint(deps, me, { url: 'https://a.example/', events: ['*'] });
  await fanOut(deps, [event('invoice.paid')], async () => ({}));
  const [message] = deps.queue.messages;
  const sender = new ScriptedSender([500, null, 503, 500]);
  expect(await attemptDelivery(deliveryDeps(sender), message!)).toEqual({ retryInSeconds: 5 });
  expect(await attemptDelivery(deliveryDeps(sender), message!)).toEqual({ retryInSeconds: 300 });
  expect(await attemptDelivery(deliveryDeps(sender), message!)).toBe('done');
  const failed = (await deps.deliveries.get('acc_1', endpoint.id, message!.deliveryId))!;
  expect(failed.status).toBe('failed');
  expect(failed.attempts.map((a) => [a.attempt, a.statusCode, a.nextRetryAt !== null])).toEqual([
    [1, 500, true],
    [2, null, true],
    [3, 503, false],
  ]);
  // A duplicate message of a finished delivery sends nothing.
  expect(await attemptDelivery(deliveryDeps(sender), message!)).toBe('done');
  expect(sender.sent).toHaveLength(3);
  // Manual retry: one attempt, no schedule after it; 409 while it is pending.
  await retryDelivery(deps, me, endpoint.id, failed.id);
  expect((await domainError(retryDelivery(deps, me, endpoint.id, failed.id))).code).toBe('conflict');
  expect(await attemptDelivery(deliveryDeps(sender), message!)).toBe('done');
  const after = (await deps.deliveries.get('acc_1', endpoint.id, failed.id))!;
  expect([after.status, after.attempts.length]).toEqual(['failed', 4]);
  expect(new Set(sender.sent.map((s) => s.headers['webhook-id']))).toEqual(new Set(['evt_1']));
});

test('an endpoint failing every delivery for five days is disabled; its deliveries then fail without a request', async () => {
  const { endpoint } = await createEndpoint(deps, me, { url: 'https://a.example/', events: ['*'] });
  const sender = new ScriptedSender(Array(10).fill(500));
  const once = async (n: number) => {
    await fanOut(deps, [event('invoice.paid', n)], async () => ({}));
    return attemptDelivery(deliveryDeps(sender, []), deps.queue.messages.at(-1)!);
  };
  await once(1);
  expect((await deps.endpoints.get('acc_1', endpoint.id))!.failingSince).toBe('2026-11-30T10:00:00Z');
  clock.advance(4 * 24 * 3600 * 1000);
  await once(2);
  expect((await deps.endpoints.get('acc_1', endpoint.id))!.status).toBe('enabled');
  clock.advance(1 * 24 * 3600 * 1000);
  await once(3);
  expect((await deps.endpoints.get('acc_1', endpoint.id))!.status).toBe('disabled');
  // Disabled: subscribed to nothing, so new events make no deliveries.
  expect(await fanOut(deps, [event('invoice.paid', 4)], async () => ({}))).toBe(0);
  expect(sender.sent).toHaveLength(3);
});

test('a success ends a failing streak', async () => {
  const { endpoint } = await createEndpoint(deps, me, { url: 'https://a.example/', events: ['*'] });
  const sender = new ScriptedSender([500, 200]);
  await fanOut(deps, [event('invoice.paid', 1), event('invoice.paid', 2)], async () => ({}));
  await attemptDelivery(deliveryDeps(sender, []), deps.queue.messages[0]!);
  await attemptDelivery(deliveryDeps(sender, []), deps.queue.messages[1]!);
  expect((await deps.endpoints.get('acc_1', endpoint.id))!.failingSince).toBeNull();
});

test('rotation: both secrets sign for 24 hours, then only the new one', async () => {
  const { endpoint, secret: first } = await createEndpoint(deps, me, { url: 'https://a.example/', events: ['*'] });
  const { endpoint: rotated, secret: second } = await rotateSecret(deps, me, endpoint.id);
  expect(signingSecrets(rotated, clock.now())).toEqual([second, first]);
  clock.advance(24 * 3600 * 1000 - 1000);
  expect(signingSecrets(rotated, clock.now())).toEqual([second, first]);
  clock.advance(2000);
  expect(signingSecrets(rotated, clock.now())).toEqual([second]);
  // A later rotation drops secrets past their overlap.
  const { endpoint: again, secret: third } = await rotateSecret(deps, me, endpoint.id);
  expect(again.secrets.map((s) => s.secret)).toEqual([third, second]);
});

test('WEBHOOK_RETRY_SECONDS: a comma list of whole seconds up to 12 hours, else the default', () => {
  expect(parseRetrySchedule(undefined)).toEqual(DEFAULT_RETRY_SECONDS);
  expect(parseRetrySchedule('1, 2,3')).toEqual([1, 2, 3]);
  expect(() => parseRetrySchedule('1,x')).toThrow();
  expect(() => parseRetrySchedule('50000')).toThrow();
  expect(() => parseRetrySchedule('1.5')).toThrow();
});
