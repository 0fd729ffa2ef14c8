import fc from 'fast-check';
import { creditLines, type CreditNote } from '../../domain/credit-notes/credit-note.js';
import { applyEdit, blankDraft, type BuyerParty, type Invoice } from '../../domain/invoices/invoice.js';
import { invoiceEditInput } from '../../domain/invoices/invoice-input.js';
import { applyPayment } from '../../domain/money/settlement.js';
import { DEFAULT_SETTINGS } from '../../domain/settings/settings.js';
import { sellerProfile, type SellerProfile } from '../../domain/settings/settings-input.js';
import { SequentialIds } from './in-memory.js';

/** The invoices of the e-invoice matrix (issue 14), and the parties they are issued between. */
export const seller: SellerProfile = sellerProfile.parse({
  legalName: 'Tulip Software B.V.',
  tradingName: 'Tulip',
  vatId: 'NL123456789B01',
  legalRegistrationId: { id: '12345678', scheme: '0106' },
  address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CC', country: 'NL' },
  contact: { name: 'Billing desk', email: 'billing@tulip.example', phone: '+31 20 123 4567' },
  electronicAddress: { scheme: '0106', id: '12345678' },
  bankAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'Tulip Software B.V.' },
});

export const buyer: BuyerParty = {
  name: 'Brandt GmbH',
  vatId: 'DE136695976',
  legalRegistrationId: { id: 'HRB 12345' },
  electronicAddress: { scheme: '9930', id: 'DE136695976' },
  address: { line1: 'Friedrichstraße 10', city: 'Berlin', postalCode: '10117', country: 'DE' },
};

type Case = { name: string; body: Record<string, unknown>; paid?: number };

const lines = (...l: Record<string, unknown>[]) => ({ lineItems: l });
export const MATRIX: Case[] = [
  { name: 'one rate', body: lines({ name: 'Licence', unitPrice: 120000, quantity: 3, taxRate: 21 }) },
  {
    name: 'mixed rates',
    body: lines(
      { name: 'Licence', unitPrice: 120000, quantity: 1, taxRate: 21 },
      { name: 'Book', unitPrice: 1999, quantity: 3, taxRate: 9 },
      { name: 'Training', unitPrice: 33333, quantity: 1, taxRate: 21 },
    ),
  },
  {
    name: 'amount and percent discounts',
    body: lines(
      { name: 'Seats', unitPrice: 1999, quantity: 7, discount: { type: 'percent', value: 12.5 }, taxRate: 21 },
      { name: 'Support', unitPrice: 5000, quantity: 2, discount: { type: 'amount', value: 333 }, taxRate: 21 },
    ),
  },
  {
    name: 'fractional quantities',
    body: lines(
      { name: 'Consulting', unitPrice: 9750, quantity: 2.75, unitCode: 'HUR', taxRate: 21 },
      { name: 'Fuel', unitPrice: 189, quantity: 41.3333, unitCode: 'LTR', taxRate: 9 },
    ),
  },
  { name: 'zero-rated', body: lines({ name: 'Export crate', unitPrice: 50000, quantity: 1, taxCategory: 'Z' }) },
  {
    name: 'exempt',
    body: lines({
      name: 'Medical course',
      unitPrice: 80000,
      quantity: 1,
      taxCategory: 'E',
      taxExemptionReason: 'Exempt education, Article 132 VAT Directive',
      taxExemptionReasonCode: 'VATEX-EU-132',
    }),
  },
  {
    name: 'reverse charge',
    body: lines({
      name: 'Installation',
      unitPrice: 250000,
      quantity: 1,
      taxCategory: 'AE',
      taxExemptionReasonCode: 'VATEX-EU-AE',
      taxExemptionReason: 'Reverse charge',
    }),
  },
  {
    name: 'intra-community',
    body: lines({
      name: 'Servers',
      unitPrice: 410000,
      quantity: 2,
      taxCategory: 'K',
      taxExemptionReasonCode: 'VATEX-EU-IC',
      taxExemptionReason: 'Intra-community supply',
    }),
  },
  {
    name: '60 lines',
    body: {
      lineItems: Array.from({ length: 60 }, (_, i) => ({
        name: `Item ${i + 1}`,
        unitPrice: 101 + i * 37,
        quantity: ((i % 7) + 1) / 4,
        taxRate: [21, 9, 0][i % 3],
        ...(i % 3 === 2 ? {} : i % 5 === 0 ? { discount: { type: 'percent', value: 7.5 } } : {}),
      })),
    },
  },
  {
    name: 'partly paid',
    body: lines({ name: 'Licence', unitPrice: 99999, quantity: 1, taxRate: 21 }),
    paid: 50000,
  },
  {
    name: 'another currency (JPY)',
    body: {
      currency: 'JPY',
      ...lines(
        { name: 'Widget', unitPrice: 333, quantity: 1.5, taxRate: 10 },
        { name: 'Gadget', unitPrice: 1980, quantity: 3, discount: { type: 'percent', value: 15 }, taxRate: 8 },
      ),
    },
  },
  {
    name: 'another currency (USD)',
    body: { currency: 'USD', ...lines({ name: 'Hosting', unitPrice: 4999, quantity: 12, taxRate: 21 }) },
  },
];

export function issued(c: Case, s: SellerProfile = seller, b: BuyerParty = buyer): Invoice {
  const ids = new SequentialIds();
  const draft = blankDraft({
    id: 'inv_1',
    accountId: 'acc_1',
    owner: 'user_1',
    slug: 'slug1',
    settings: { ...DEFAULT_SETTINGS, currency: 'EUR' },
    today: '2026-11-27',
    now: '2026-11-27T10:00:00Z',
  });
  const edited = applyEdit(
    draft,
    invoiceEditInput.parse({ paymentTerms: 'net30', poNumber: 'PO-77', buyerReference: 'REF-1', ...c.body }),
    ids,
  );
  let invoice: Invoice = {
    ...edited,
    status: 'open',
    number: 'INV-1001',
    finalizedAt: '2026-11-27T10:00:00Z',
    seller: s,
    buyer: b,
  };
  if (c.paid) invoice = { ...invoice, totals: applyPayment(invoice.totals, c.paid, true) };
  return invoice;
}

export function creditNoteFor(invoice: Invoice, lineIndex: number): CreditNote {
  const cl = creditLines(
    invoice,
    { lines: [{ lineItemId: invoice.lineItems[lineIndex]!.id }], reason: 'Returned' },
    [],
  );
  const subtotal = cl.reduce((s, l) => s + l.amount, 0);
  const tax = cl.reduce((s, l) => s + l.tax, 0);
  return {
    id: 'cn_1',
    accountId: invoice.accountId,
    invoiceId: invoice.id,
    invoiceNumber: invoice.number,
    number: 'CN-1001',
    currency: invoice.currency,
    language: invoice.language,
    locale: invoice.locale,
    reason: 'Returned',
    memo: null,
    lines: cl,
    subtotal,
    tax,
    total: subtotal + tax,
    appliedToBalance: subtotal + tax,
    refundAmount: 0,
    issuedAt: '2026-11-28T09:00:00Z',
    issuedBy: 'user_1',
    invoiceVersion: 3,
    pdf: { status: 'pending', sha256: null },
  };
}

const percent = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 10_000);
const rate = fc.constantFrom(21, 9, 19, 7, 5.5, 10, 8, 12.5);

const lineBody = fc.integer({ min: 0, max: 5_000_000 }).chain((unitPrice) =>
  fc.record(
    {
      name: fc.constant('Item'),
      unitPrice: fc.constant(unitPrice),
      quantity: fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 10_000),
      discount: fc.oneof(
        fc.constant(undefined),
        fc.integer({ min: 0, max: unitPrice }).map((value) => ({ type: 'amount' as const, value })),
        percent.map((value) => ({ type: 'percent' as const, value })),
      ),
      tax: fc.oneof(
        { weight: 4, arbitrary: rate.map((taxRate) => ({ taxRate })) },
        fc.constant({ taxCategory: 'Z' }),
        fc.constant({ taxCategory: 'E', taxExemptionReasonCode: 'VATEX-EU-132' }),
      ),
    },
    { requiredKeys: ['name', 'unitPrice', 'quantity', 'tax'] },
  ),
);
/** Random invoices: fractional quantities, amount and percent discounts, mixed rates and categories, EUR and JPY. */
export const invoiceCase = fc.record({
  currency: fc.constantFrom('EUR', 'JPY'),
  lines: fc.array(lineBody, { minLength: 1, maxLength: 25 }),
});

export const flat = (l: { tax: object } & Record<string, unknown>) => {
  const { tax, ...rest } = l;
  return { ...rest, ...tax };
};
