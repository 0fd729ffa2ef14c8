import { describe, expect, test } from 'vitest';
import { exportRow } from '../../../../domain/exports/export-rows.js';
import { blankDraft } from '../../../../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';

const invoice = blankDraft({
  id: 'inv_1',
  accountId: 'acc_1',
  owner: 'usr_1',
  slug: 's',
  settings: DEFAULT_SETTINGS,
  today: '2026-01-01',
  now: '2026-01-01T00:00:00Z',
});

describe('the associationLabel export column', () => {
  test('holds the label texts, each once, not their ids', () => {
    const labeled = {
      ...invoice,
      contacts: ['con_1', 'con_2'],
      associationLabels: {
        con_1: [
          { id: 'alb_1', label: 'Billing contact' },
          { id: 'alb_2', label: 'Decision maker' },
        ],
        con_2: [{ id: 'alb_2', label: 'Decision maker' }],
      },
    };
    expect(exportRow(labeled, ['associationLabel'])).toEqual([
      { kind: 'text', value: 'Billing contact, Decision maker' },
    ]);
  });

  test('is empty without labels (and on invoices stored before labels existed)', () => {
    expect(exportRow(invoice, ['associationLabel'])).toEqual([{ kind: 'empty' }]);
    expect(exportRow({ ...invoice, associationLabels: {} }, ['associationLabel'])).toEqual([{ kind: 'empty' }]);
  });
});
