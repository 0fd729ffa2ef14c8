import { expect, test } from 'vitest';
import { pdfKey } from '../../../../domain/documents/pdf-key.js';
import { einvoiceKey } from '../../../../domain/stream/invoice-side-effects.js';
import { PDF_PREFIX } from '../../../../infra/stacks/grants.js';

test('the stored e-invoice lives under the PDF prefix (the only one S3 and Object Lock grants cover), apart from every PDF', () => {
  const base = { accountId: 'acc_1', id: 'inv_1' };
  expect(einvoiceKey(base).startsWith(PDF_PREFIX)).toBe(true);
  for (const status of ['open', 'paid', 'voided'] as const)
    expect(pdfKey({ ...base, version: 2, status })).not.toBe(einvoiceKey(base));
  expect(einvoiceKey(base)).not.toBe(einvoiceKey({ ...base, id: 'inv_2' }));
});
