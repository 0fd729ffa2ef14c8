import { expect, test } from 'vitest';
import { InProcessQueue } from '../../../../functions/webhooks/in-process-queue.js';

test('a FIFO group hands out its messages in order, none while one of the group is in flight', () => {
  const q = new InProcessQueue();
  q.send([
    { body: 'a1', group: 'a' },
    { body: 'b1', group: 'b' },
    { body: 'a2', group: 'a' },
  ]);
  // One receive may take several of a group, in order (SQS FIFO does).
  expect(q.receive(10, 60).map((m) => m.body)).toEqual(['a1', 'b1', 'a2']);
  q.send([
    { body: 'a3', group: 'a' },
    { body: 'c1', group: 'c' },
  ]);
  // a1 and a2 are in flight: a3 waits, c1 does not.
  const [c1, ...rest] = q.receive(10, 60);
  expect([c1!.body, ...rest.map((m) => m.body)]).toEqual(['c1']);
  for (const m of [...q.messages.values()].filter((m) => m.body === 'a1' || m.body === 'a2')) q.delete(m.messageId);
  expect(q.receive(10, 60).map((m) => m.body)).toEqual(['a3']);
});

test('a deduplication id seen before is dropped; messages without one are all kept', () => {
  const q = new InProcessQueue();
  q.send([{ body: 'x', group: 'g', dedupId: 'inv-1-v2-open' }]);
  q.send([
    { body: 'x again', group: 'g', dedupId: 'inv-1-v2-open' },
    { body: 'y', group: 'g', dedupId: 'inv-1-v3-paid' },
  ]);
  expect([...q.messages.values()].map((m) => m.body)).toEqual(['x', 'y']);
  q.send([{ body: 'plain' }, { body: 'plain' }]);
  expect(q.messages.size).toBe(4);
});
