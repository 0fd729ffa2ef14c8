import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { creditNoteEinvoice, invoiceEinvoice } from '../../../../domain/einvoice/einvoice-document.js';
import { toCii } from '../../../../domain/einvoice/cii.js';
import { toUbl } from '../../../../domain/einvoice/ubl.js';
import { fatalErrors, rulesPresent } from '../../../support/einvoice-rules.js';
import { creditNoteFor, flat, invoiceCase, issued, MATRIX, seller } from '../../../support/einvoice-fixtures.js';

/**
 * The matrix of the issue, each generated as UBL and CII and judged by the official rules in
 * ../shared/einvoice (EN 16931 for both syntaxes, Peppol BIS Billing 3.0 for the UBL). A failing
 * rule fails the test with its id and message.
 */
const rules = rulesPresent ? describe : describe.skip;
if (!rulesPresent) console.warn('../shared/einvoice is absent: the official-rules tests are skipped');

rules('the matrix passes the official rules', () => {
  for (const c of MATRIX) {
    test(`${c.name}: UBL passes EN 16931 and Peppol BIS 3.0, CII passes EN 16931`, async () => {
      const invoice = issued(c);
      const doc = invoiceEinvoice(invoice, { contactName: null });
      const ubl = toUbl(doc);
      expect(await fatalErrors(ubl, 'EN16931-UBL')).toEqual([]);
      expect(await fatalErrors(ubl, 'PEPPOL-UBL')).toEqual([]);
      expect(await fatalErrors(toCii(doc), 'EN16931-CII')).toEqual([]);
    });
  }

  test('a credit note for one line: UBL (EN 16931, Peppol) and CII', async () => {
    const invoice = issued(MATRIX[1]!);
    const doc = creditNoteEinvoice(creditNoteFor(invoice, 1), invoice, { contactName: null });
    const ubl = toUbl(doc);
    expect(ubl).toContain('<cac:BillingReference>');
    expect(await fatalErrors(ubl, 'EN16931-UBL')).toEqual([]);
    expect(await fatalErrors(ubl, 'PEPPOL-UBL')).toEqual([]);
    expect(await fatalErrors(toCii(doc), 'EN16931-CII')).toEqual([]);
  });

  test('plain EN 16931 (no electronic address) passes EN 16931', async () => {
    const invoice = issued(MATRIX[0]!, { ...seller, electronicAddress: null });
    const ubl = toUbl(invoiceEinvoice(invoice, { contactName: null }));
    expect(ubl).not.toContain('ProfileID');
    expect(await fatalErrors(ubl, 'EN16931-UBL')).toEqual([]);
  });

  test('the rules do fire: an invoice with a wrong VAT total fails BR-CO-14', async () => {
    const doc = invoiceEinvoice(issued(MATRIX[0]!), { contactName: null });
    const errors = await fatalErrors(toUbl({ ...doc, tax: doc.tax + 100 }), 'EN16931-UBL');
    expect(errors.some((e) => e.startsWith('BR-CO-14') || e.startsWith('BR-CO-15'))).toBe(true);
  });
});

rules('the checks can fail', () => {
  test('Peppol fires when its profile is missing, CII when a total is wrong', async () => {
    const doc = invoiceEinvoice(issued(MATRIX[2]!), { contactName: null });
    const ubl = toUbl(doc).replace(/<cbc:ProfileID>[^<]*<\/cbc:ProfileID>/, '');
    expect((await fatalErrors(ubl, 'PEPPOL-UBL')).some((e) => e.startsWith('PEPPOL-EN16931-R001'))).toBe(true);
    const cii = toCii({ ...doc, payable: doc.payable + 1 });
    expect((await fatalErrors(cii, 'EN16931-CII')).some((e) => e.startsWith('BR-CO-16'))).toBe(true);
  });
});

rules('random invoices pass the official rules', () => {
  test('UBL (EN 16931 and Peppol) and CII (EN 16931) of property-test invoices', async () => {
    // Each document takes about a second to judge, so a handful of runs: the sums themselves are
    // property-tested over hundreds of invoices in test/unit/domain/money/en16931-money.test.ts.
    await fc.assert(
      fc.asyncProperty(invoiceCase, async ({ currency, lines }) => {
        const doc = invoiceEinvoice(issued({ name: 'random', body: { currency, lineItems: lines.map(flat) } }), {
          contactName: null,
        });
        const ubl = toUbl(doc);
        expect(await fatalErrors(ubl, 'EN16931-UBL')).toEqual([]);
        expect(await fatalErrors(ubl, 'PEPPOL-UBL')).toEqual([]);
        expect(await fatalErrors(toCii(doc), 'EN16931-CII')).toEqual([]);
      }),
      { numRuns: 6 },
    );
  });
});

describe('the parties fixed at issue join the audit hash only when present', () => {
  test('an invoice without them hashes as before; changing the seller or buyer changes the hash', async () => {
    const { invoiceHash } = await import('../../../../domain/audit/chain.js');
    const invoice = issued(MATRIX[0]!);
    const { seller: _s, buyer: _b, ...older } = invoice;
    expect(invoiceHash({ ...older, seller: null, buyer: null })).toBe(invoiceHash(older));
    expect(invoiceHash(invoice)).not.toBe(invoiceHash(older));
    expect(invoiceHash({ ...invoice, seller: { ...invoice.seller!, legalName: 'Other' } })).not.toBe(
      invoiceHash(invoice),
    );
    expect(invoiceHash({ ...invoice, buyer: { ...invoice.buyer!, vatId: 'DE000000000' } })).not.toBe(
      invoiceHash(invoice),
    );
  });
});
