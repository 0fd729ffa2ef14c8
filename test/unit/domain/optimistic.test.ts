import { describe, expect, test } from 'vitest';
import { mutate } from '../../../domain/optimistic.js';
import { VersionConflict } from '../../../domain/ports.js';
import { domainError } from '../../support/in-memory.js';

/** One versioned object and a conditional write on it; `racers` writes sneak in before ours. */
function cell(racers = 0) {
  const state = { version: 1, value: 'a', reads: 0, writes: 0 };
  return {
    state,
    read: async () => {
      state.reads++;
      return { version: state.version, value: state.value };
    },
    write: async (current: { version: number }, value: string) => {
      state.writes++;
      if (racers > 0) {
        racers--;
        state.version++;
      }
      if (current.version !== state.version) throw new VersionConflict();
      state.version++;
      state.value = value;
      return { ...state };
    },
  };
}

describe('mutate', () => {
  test('reads, decides and writes once when nothing races', async () => {
    const c = cell();
    const out = await mutate(c.read, undefined, (cur) => c.write(cur, 'b'));
    expect(out).toMatchObject({ version: 2, value: 'b' });
    expect(c.state).toMatchObject({ reads: 1, writes: 1 });
  });

  test('a matching If-Match writes', async () => {
    const c = cell();
    expect(await mutate(c.read, 1, (cur) => c.write(cur, 'b'))).toMatchObject({ version: 2 });
  });

  test('a stale If-Match is precondition_failed before any write', async () => {
    const c = cell();
    const e = await domainError(mutate(c.read, 7, (cur) => c.write(cur, 'b')));
    expect(e.code).toBe('precondition_failed');
    expect(e.extra).toEqual({ currentVersion: 1 });
    expect(c.state.writes).toBe(0);
  });

  test('without If-Match a lost race re-reads and decides again', async () => {
    const c = cell(2);
    const seen: number[] = [];
    const out = await mutate(c.read, undefined, (cur) => {
      seen.push(cur.version);
      return c.write(cur, 'b');
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(out).toMatchObject({ version: 4, value: 'b' });
  });

  test('with If-Match a lost race is precondition_failed naming the version that won', async () => {
    const c = cell(1);
    const e = await domainError(mutate(c.read, 1, (cur) => c.write(cur, 'b')));
    expect(e.code).toBe('precondition_failed');
    expect(e.extra).toEqual({ currentVersion: 2 });
    expect(c.state.value).toBe('a');
  });

  test('gives up as unavailable after 8 lost races', async () => {
    const c = cell(100);
    const e = await domainError(mutate(c.read, undefined, (cur) => c.write(cur, 'b')));
    expect(e.code).toBe('unavailable');
    expect(c.state.writes).toBe(8);
  });

  test('other errors are not retried', async () => {
    const c = cell();
    let calls = 0;
    await expect(
      mutate(c.read, undefined, async () => {
        calls++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});
