import type { Backfill } from './backfill-runner.js';
import { reminderIndexBackfill } from './reminder-index.backfill.js';
import { paymentRefsBackfill } from './payment-refs.backfill.js';
import { counterSettingsBackfill } from './counter-settings.backfill.js';

/**
 * Every backfill the service has, by name, in the order they should run. Stored data outlives
 * code: a change that adds a key, index or field to items already stored adds its backfill here
 * (`npm run backfill` locally, the Backfill function in AWS), and a test running it over items
 * written the old way.
 */
export const BACKFILLS: readonly Backfill[] = [reminderIndexBackfill, paymentRefsBackfill, counterSettingsBackfill];

export function backfillNamed(name: string): Backfill | undefined {
  return BACKFILLS.find((b) => b.name === name);
}
