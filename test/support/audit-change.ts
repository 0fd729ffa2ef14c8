import type { Change, HistoryAction } from '../../domain/audit/history.js';

/** The change a seeding helper or a store-level test writes with: a system actor named for tests. */
export const testChange = (action: HistoryAction = 'created', at = '2026-11-27T15:00:00.000Z'): Change => ({
  actor: { type: 'system', id: 'test-seed' },
  action,
  at,
});
