import { expect, test } from 'vitest';
import { pdfKey } from '../../../../domain/documents/pdf-key.js';

test('one object per account, invoice, version and status', () => {
  expect(pdfKey({ accountId: 'acc_1', id: 'inv_01ABC', version: 3, status: 'paid' })).toBe(
    'pdfs/acc_1/inv_01ABC/v3-paid.pdf',
  );
  expect(pdfKey({ accountId: 'acc_1', id: 'inv_01ABC', version: 2, status: 'open' })).not.toBe(
    pdfKey({ accountId: 'acc_1', id: 'inv_01ABC', version: 3, status: 'paid' }),
  );
});
