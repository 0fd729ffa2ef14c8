import { mergeMetadata, type Metadata } from '../shared/metadata.js';
import type { Versioned } from '../crm/records.js';
import type { AppliedLabel } from '../labels/association-label.js';
import { validationError, type FieldError } from '../errors.js';
import { daysBetween, addDays, isCalendarDate } from '../dates/calendar.js';
import { dueDateFor, type PaymentTerms } from '../dates/payment-terms.js';
import {
  invoiceMoney,
  sumTotals,
  taxCategoryOf,
  type Discount,
  type TaxCategory,
  type Totals,
} from '../money/line-items.js';
import type { Address } from '../shared/schemas.js';
import type { InvoiceSettings, SellerLogo } from '../settings/settings.js';
import type { SellerProfile } from '../settings/settings-input.js';
import type { ElectronicAddress, LegalRegistrationId } from '../shared/party-ids.js';
import type { IdGenerator } from '../ports.js';
import type { InvoiceEditInput, LineItemInput } from './invoice-input.js';
import { sanitizeRichText } from './rich-text.js';
import type { InvoiceStatus } from './status-machine.js';

export type LineItem = {
  id: string;
  productId: string | null;
  name: string;
  description: string | null;
  quantity: number;
  unitPrice: number;
  discount: Discount | null;
  taxRate: number | null;
  /** EN 16931 VAT category (BT-151); lines stored before it existed read as `S` with a rate, else `Z`. */
  taxCategory?: TaxCategory;
  /** Why a line is not taxed at the standard rate (BT-120 text, BT-121 VATEX code). */
  taxExemptionReason?: string | null;
  taxExemptionReasonCode?: string | null;
  /** UN/ECE Recommendation 20 unit of measure (BT-130), `C62` (one) by default. */
  unitCode?: string;
  /** Quantity × net unit price (unit price less the per-unit discount), before tax, in minor units. */
  amount: number;
  /** The line's share of its VAT category's tax (VAT is computed per category and rate, not per line). */
  taxAmount: number;
};

/** The buyer company's identity on an issued invoice (BG-7). */
export type BuyerParty = {
  name: string;
  vatId: string | null;
  legalRegistrationId: LegalRegistrationId | null;
  electronicAddress: ElectronicAddress | null;
  address: Address | null;
};

export type BillingOptions = {
  paymentMethods: InvoiceSettings['paymentMethods'];
  collectBillingAddress: boolean;
  collectShippingAddress: boolean;
};

export type Invoice = Versioned & {
  number: string | null;
  status: InvoiceStatus;
  pastDue: boolean;
  currency: string;
  invoiceDate: string;
  paymentTerms: PaymentTerms;
  dueDate: string | null;
  poNumber: string | null;
  /** The buyer's own reference for routing the invoice (BT-10, Peppol's Leitweg-ID in Germany); absent on older invoices. */
  buyerReference?: string | null;
  billingAddress: Address | null;
  contacts: string[];
  company: string | null;
  deals: string[];
  quotes: string[];
  lineItems: LineItem[];
  totals: Totals;
  comments: string | null;
  billing: BillingOptions;
  /** Whether payments below the balance due are accepted; from the account's settings when created. */
  allowPartialPayments: boolean;
  language: InvoiceSettings['defaultLanguage'];
  locale: string;
  domain: string | null;
  slug: string;
  owner: string;
  finalizedAt: string | null;
  sentAt: string | null;
  paidAt: string | null;
  voidedAt: string | null;
  pdf: { status: 'none' | 'pending' | 'ready'; sha256: string | null };
  /**
   * The seller and buyer as they stood at finalization (absent on drafts and on invoices issued
   * before e-invoices): an issued e-invoice never changes when the profile or the company does.
   */
  seller?: SellerProfile | null;
  /** The seller's logo as it stood at finalization (domain/settings/seller-logo.ts): its PDFs print this one. */
  sellerLogo?: SellerLogo | null;
  buyer?: BuyerParty | null;
  /** The e-invoice (UBL) stored beside the PDF by the stream at finalization, once; absent until then. */
  einvoice?: { status: 'ready'; sha256: string; syntax: 'ubl' } | null;
  /** The recurring schedule that issued it (domain/recurring); absent on invoices made by hand. */
  recurringInvoiceId?: string | null;
  /** The integrator's own keys (domain/shared/metadata.ts); absent on invoices stored before it existed, shown as `{}`. */
  metadata?: Metadata;
  /** Account-defined labels on the contact and company associations, by associated record id. */
  associationLabels?: Record<string, AppliedLabel[]>;
  /** No payment reminders for this invoice while true (domain/reminders). */
  remindersPaused?: boolean;
  /** The account's reminder steps as of the last (re)indexing; null: reminders off (domain/reminders). */
  reminderPlan?: number[] | null;
  /** The last schedule step a reminder went out for (days relative to the due date). */
  lastReminderStep?: number | null;
  /** When the last reminder (scheduled or manual) went out. */
  lastRemindedAt?: string | null;
};

/** The serialized size an invoice may reach; DynamoDB's item limit is 400 KB. */
export const MAX_INVOICE_BYTES = 350_000;

/** A blank draft with the account's defaults; `applyEdit` then fills in what the user sent. */
export function blankDraft(p: {
  id: string;
  accountId: string;
  owner: string;
  slug: string;
  settings: InvoiceSettings;
  today: string;
  now: string;
}): Invoice {
  return {
    id: p.id,
    accountId: p.accountId,
    version: 1,
    createdAt: p.now,
    updatedAt: p.now,
    number: null,
    status: 'draft',
    pastDue: false,
    currency: p.settings.currency,
    invoiceDate: p.today,
    paymentTerms: 'dueOnReceipt',
    dueDate: p.today,
    poNumber: null,
    buyerReference: null,
    billingAddress: null,
    contacts: [],
    company: null,
    deals: [],
    quotes: [],
    lineItems: [],
    totals: sumTotals([]),
    comments: null,
    billing: {
      paymentMethods: [...p.settings.paymentMethods],
      collectBillingAddress: p.settings.collectBillingAddress,
      collectShippingAddress: p.settings.collectShippingAddress,
    },
    allowPartialPayments: p.settings.allowPartialPayments,
    language: p.settings.defaultLanguage,
    locale: p.settings.defaultLocale,
    domain: null,
    slug: p.slug,
    owner: p.owner,
    finalizedAt: null,
    sentAt: null,
    paidAt: null,
    voidedAt: null,
    pdf: { status: 'none', sha256: null },
  };
}

/** A stored line back as complete input, every field explicit (its computed amounts left out). */
export function lineAsInput(l: LineItem) {
  return {
    productId: l.productId,
    name: l.name,
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    discount: l.discount,
    taxRate: l.taxRate,
    taxCategory: taxCategoryOf(l),
    taxExemptionReason: l.taxExemptionReason ?? null,
    taxExemptionReasonCode: l.taxExemptionReasonCode ?? null,
    unitCode: l.unitCode ?? 'C62',
  };
}

/** A line as the user sent it; `priceLineItems` computes its amounts. */
export function toLineItem(input: LineItemInput, ids: IdGenerator): LineItem {
  return {
    id: input.id ?? ids.id('li'),
    productId: input.productId ?? null,
    name: input.name,
    description: input.description ?? null,
    quantity: input.quantity,
    unitPrice: input.unitPrice,
    discount: input.discount ?? null,
    taxRate: input.taxRate ?? null,
    taxCategory: taxCategoryOf(input),
    taxExemptionReason: input.taxExemptionReason ?? null,
    taxExemptionReasonCode: input.taxExemptionReasonCode ?? null,
    unitCode: input.unitCode ?? 'C62',
    amount: 0,
    taxAmount: 0,
  };
}

/** Recomputes every line's amounts and the totals from quantities, prices, discounts and rates. */
export function withTotals(invoice: Invoice): Invoice {
  const { lineItems, totals } = priceLineItems(invoice.lineItems, invoice.totals.amountPaid);
  return { ...invoice, lineItems, totals };
}

/** Lines with their amounts, and their totals: the one place line money is applied (invoices, deals, quotes). */
export function priceLineItems(lines: LineItem[], amountPaid = 0): { lineItems: LineItem[]; totals: Totals } {
  try {
    const money = invoiceMoney(lines).lines;
    const lineItems = lines.map((l, i) => ({ ...l, amount: money[i]!.amount, taxAmount: money[i]!.tax }));
    return { lineItems, totals: sumTotals(money, amountPaid) };
  } catch (e) {
    if (e instanceof RangeError) {
      throw validationError('The total is too large', [
        { path: 'lineItems', message: 'totals exceed the largest amount this service handles' },
      ]);
    }
    throw e;
  }
}

/**
 * Applies a create or PATCH body to a draft. Everything that follows from the input (due date,
 * line amounts, totals, sanitized comments) is derived here, so no caller can forget a step.
 */
export function applyEdit(invoice: Invoice, input: InvoiceEditInput, ids: IdGenerator): Invoice {
  const errors: FieldError[] = [];
  const next: Invoice = { ...invoice };

  for (const key of [
    'currency',
    'invoiceDate',
    'paymentTerms',
    'poNumber',
    'buyerReference',
    'billingAddress',
    'contacts',
    'company',
    'deals',
    'quotes',
    'language',
    'locale',
    'domain',
    'owner',
  ] as const) {
    if (input[key] !== undefined) (next as Record<string, unknown>)[key] = input[key];
  }
  if (input.allowPartialPayments !== undefined) next.allowPartialPayments = input.allowPartialPayments;
  if (input.remindersPaused !== undefined) next.remindersPaused = input.remindersPaused;
  if (input.slug !== undefined) next.slug = input.slug ?? ids.slug();
  if (input.billing) next.billing = { ...invoice.billing, ...input.billing };
  if (input.metadata !== undefined) next.metadata = mergeMetadata(invoice.metadata, input.metadata);
  if (input.comments !== undefined)
    next.comments = input.comments === null ? null : sanitizeRichText(input.comments) || null;
  if (input.lineItems) {
    const seen = new Set<string>();
    input.lineItems.forEach((l, i) => {
      if (l.id && seen.has(l.id)) errors.push({ path: `lineItems.${i}.id`, message: 'must not repeat a line item id' });
      if (l.id) seen.add(l.id);
    });
    next.lineItems = input.lineItems.map((l) => toLineItem(l, ids));
  }

  // The due date follows the terms; only `custom` takes one by hand. A client that echoes back the
  // computed due date is not refused.
  const computed = dueDateFor(next.paymentTerms, next.invoiceDate, null);
  if (next.paymentTerms === 'custom') {
    next.dueDate =
      input.dueDate !== undefined ? input.dueDate : invoice.paymentTerms === 'custom' ? invoice.dueDate : null;
    if (!next.dueDate) errors.push({ path: 'dueDate', message: 'is required when paymentTerms is custom' });
    else if (isCalendarDate(next.dueDate) && next.dueDate < next.invoiceDate)
      errors.push({ path: 'dueDate', message: 'must not be before invoiceDate' });
  } else {
    // null asks for the due date the terms give, so it is no conflict.
    if (input.dueDate !== undefined && input.dueDate !== null && input.dueDate !== computed) {
      errors.push({
        path: 'dueDate',
        message: `follows paymentTerms ${next.paymentTerms} (${computed}); set paymentTerms to custom to choose it`,
      });
    }
    next.dueDate = computed;
  }
  // Net terms (or a clone keeping a custom gap) can carry the due date past 9999-12-31, which has
  // no YYYY-MM-DD form (Luxon writes +010000-03-30, and that sorts before every real date).
  if (next.dueDate && !isCalendarDate(next.dueDate)) {
    errors.push({
      path: next.paymentTerms === 'custom' ? 'dueDate' : 'invoiceDate',
      message: 'gives a due date after 9999-12-31',
    });
  }

  if (errors.length) throw validationError('The invoice has invalid fields', errors);
  // Labels belong to associations: a record no longer associated takes its labels with it.
  if (next.associationLabels) {
    const associated = new Set([...next.contacts, ...(next.company ? [next.company] : [])]);
    next.associationLabels = Object.fromEntries(
      Object.entries(next.associationLabels).filter(([recordId]) => associated.has(recordId)),
    );
  }
  const result = withTotals(next);
  if (Buffer.byteLength(JSON.stringify(result)) > MAX_INVOICE_BYTES) {
    throw validationError('The invoice is too large to store', [
      { path: 'lineItems', message: `the invoice must stay under ${MAX_INVOICE_BYTES} bytes` },
    ]);
  }
  return result;
}

/** The fields a clone carries over: the content, not the lifecycle. */
export function cloneContent(source: Invoice, ids: IdGenerator, today: string): InvoiceEditInput {
  const gap = source.dueDate ? daysBetween(source.invoiceDate, source.dueDate) : 0;
  return {
    currency: source.currency,
    invoiceDate: today,
    paymentTerms: source.paymentTerms,
    // A custom due date keeps its distance from the invoice date, so the clone is not born overdue.
    ...(source.paymentTerms === 'custom' ? { dueDate: addDays(today, gap) } : {}),
    poNumber: source.poNumber,
    buyerReference: source.buyerReference ?? null,
    billingAddress: source.billingAddress,
    contacts: source.contacts,
    company: source.company,
    lineItems: source.lineItems.map((l) => ({ ...lineAsInput(l), id: ids.id('li') })),
    comments: source.comments,
    billing: source.billing,
    ...(source.allowPartialPayments !== undefined ? { allowPartialPayments: source.allowPartialPayments } : {}),
    language: source.language,
    locale: source.locale,
    domain: source.domain,
    owner: source.owner,
  };
}

/** The buyer-facing URL: `/i/{slug}` on the connected domain, or on the service's own host. */
export function invoiceUrl(invoice: Pick<Invoice, 'domain' | 'slug'>, publicBaseUrl: string): string {
  return invoice.domain
    ? `https://${invoice.domain}/i/${invoice.slug}`
    : `${publicBaseUrl.replace(/\/$/, '')}/i/${invoice.slug}`;
}
