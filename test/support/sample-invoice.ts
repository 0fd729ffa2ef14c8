import type { Company, Contact } from '../../domain/crm/records.js';
import { blankDraft, withTotals, type Invoice, type LineItem } from '../../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../../domain/settings/settings.js';

/** A complete invoice for document tests: two lines (one discounted, one taxed), a PO number, comments. */
export function sampleInvoice(overrides: Partial<Invoice> = {}): Invoice {
  const base = blankDraft({
    id: 'inv_01SAMPLE',
    accountId: 'acc_docs',
    owner: 'usr_1',
    slug: 'b7c1f0e2a9d84c55a1e3f6b2c4d8e0f1',
    settings: DEFAULT_SETTINGS,
    today: '2026-11-27',
    now: '2026-11-27T10:00:00Z',
  });
  const line = (l: Partial<LineItem> & Pick<LineItem, 'id' | 'name' | 'unitPrice'>): LineItem => ({
    productId: null,
    description: null,
    quantity: 1,
    discount: null,
    taxRate: null,
    amount: 0,
    taxAmount: 0,
    ...l,
  });
  return withTotals({
    ...base,
    number: 'INV-1001',
    status: 'open',
    dueDate: '2026-12-27',
    paymentTerms: 'net30',
    poNumber: 'PO-4471',
    contacts: ['con_1'],
    company: 'com_1',
    lineItems: [
      line({
        id: 'li_1',
        name: 'Design sprint',
        description: 'Two-week discovery\nand prototypes',
        quantity: 2,
        unitPrice: 50_000,
        discount: { type: 'percent', value: 10 },
      }),
      line({ id: 'li_2', name: 'Hosting', quantity: 1.5, unitPrice: 23_456, taxRate: 21 }),
    ],
    comments: '<p>Thank you for your <b>business</b>.</p>',
    ...overrides,
  });
}

export function sampleContact(overrides: Partial<Contact> = {}): Contact {
  return {
    id: 'con_1',
    accountId: 'acc_docs',
    kind: 'contact',
    version: 1,
    createdAt: '2026-11-27T10:00:00Z',
    updatedAt: '2026-11-27T10:00:00Z',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    address: null,
    ...overrides,
  };
}

export function sampleCompany(overrides: Partial<Company> = {}): Company {
  return {
    id: 'com_1',
    accountId: 'acc_docs',
    kind: 'company',
    version: 1,
    createdAt: '2026-11-27T10:00:00Z',
    updatedAt: '2026-11-27T10:00:00Z',
    name: 'Analytical Engines B.V.',
    domain: null,
    address: { line1: 'Keizersgracht 123', city: 'Amsterdam', postalCode: '1015 CJ', country: 'NL' },
    ...overrides,
  };
}
