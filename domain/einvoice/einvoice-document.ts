import Big from 'big.js';
import type { CreditNote } from '../credit-notes/credit-note.js';
import { validationError, type FieldError } from '../errors.js';
import type { BuyerParty, Invoice, LineItem } from '../invoices/invoice.js';
import { minorUnits } from '../money/currency.js';
import { netUnitPrice, taxCategoryOf, unitDiscount, type TaxCategory } from '../money/line-items.js';
import type { SellerProfile } from '../settings/settings-input.js';
import type { Address } from '../shared/schemas.js';

/**
 * The EN 16931 semantic invoice (the business terms BT-n the standard names), built from an issued
 * invoice or credit note and the parties fixed at finalization. The UBL and CII writers only lay
 * it out: every amount here is the document's own, taken from what the API shows, never recomputed.
 * Amounts are integer minor units; `currency` says how many decimals they carry.
 */
export type EinvoiceLine = {
  id: string; // BT-126
  name: string; // BT-153
  description: string | null; // BT-154
  quantity: Big; // BT-129
  unitCode: string; // BT-130
  amount: number; // BT-131, minor units
  /** Net price (BT-146) per `baseQuantity` (BT-149), in minor units, exact. */
  netPrice: Big;
  baseQuantity: Big | null;
  /** Gross price (BT-148) and price discount (BT-147) per unit, when the line had a discount. */
  grossPrice: Big | null;
  priceDiscount: Big | null;
  category: TaxCategory; // BT-151
  rate: number; // BT-152
};

export type EinvoiceVatGroup = {
  category: TaxCategory;
  rate: number;
  taxable: number;
  tax: number;
  exemptionReason: string | null;
  exemptionReasonCode: string | null;
};

export type EinvoiceParty = {
  name: string;
  tradingName: string | null;
  vatId: string | null;
  taxRegistrationId: string | null;
  legalRegistrationId: { id: string; scheme?: string | null } | null;
  address: {
    line1: string;
    line2: string | null;
    city: string;
    postalCode: string | null;
    region: string | null;
    country: string;
  };
  contact: { name: string | null; email: string | null; phone: string | null } | null;
  electronicAddress: { scheme: string; id: string } | null;
};

export type EinvoiceDocument = {
  kind: 'invoice' | 'creditNote';
  /** Peppol BIS Billing 3.0 when the seller has an electronic address, plain EN 16931 otherwise. */
  peppol: boolean;
  number: string; // BT-1
  issueDate: string; // BT-2
  dueDate: string | null; // BT-9
  currency: string; // BT-5
  buyerReference: string | null; // BT-10
  orderReference: string | null; // BT-13
  /** BT-25/BT-26: the invoice a credit note corrects. */
  precedingInvoice: { number: string; issueDate: string } | null;
  paymentTerms: string | null; // BT-20
  seller: EinvoiceParty;
  buyer: EinvoiceParty;
  /** Intra-community supply needs a delivery date and country (BR-IC-11, BR-IC-12). */
  delivery: { date: string; country: string } | null;
  payment: { iban: string; bic: string | null; accountName: string | null; remittance: string } | null;
  lines: EinvoiceLine[];
  vat: EinvoiceVatGroup[];
  lineTotal: number; // BT-106
  taxExclusive: number; // BT-109
  tax: number; // BT-110
  taxInclusive: number; // BT-112
  prepaid: number; // BT-113
  payable: number; // BT-115
};

/** A minor-unit amount as the decimal text the XML carries: 1999 USD → "19.99", 500 JPY → "500". */
export function amountText(minor: number | Big, currency: string): string {
  const digits = minorUnits(currency);
  const v = new Big(minor).div(new Big(10).pow(digits));
  // Prices may be finer than the minor unit (a 12.5 % discount on 19.99); amounts never are.
  return typeof minor === 'number' ? v.toFixed(digits) : v.toFixed();
}

const PAYMENT_TERMS_TEXT: Record<string, string> = {
  dueOnReceipt: 'Due on receipt',
  net15: 'Net 15 days',
  net30: 'Net 30 days',
  net45: 'Net 45 days',
  net60: 'Net 60 days',
  net90: 'Net 90 days',
};

/** Why a document cannot be an e-invoice: 422 naming the field and the rule it breaks. */
class Missing {
  errors: FieldError[] = [];
  need(ok: unknown, path: string, rule: string, what: string) {
    if (!ok) this.errors.push({ path, message: `${what} (${rule})` });
  }
  throwIfAny() {
    if (this.errors.length)
      throw validationError('The document lacks what an EN 16931 e-invoice requires', this.errors);
  }
}

function sellerParty(seller: SellerProfile): EinvoiceParty {
  return {
    name: seller.legalName,
    tradingName: seller.tradingName ?? null,
    vatId: seller.vatId ?? null,
    taxRegistrationId: seller.taxRegistrationId ?? null,
    legalRegistrationId: seller.legalRegistrationId ?? null,
    address: {
      line1: seller.address.line1,
      line2: seller.address.line2 ?? null,
      city: seller.address.city,
      postalCode: seller.address.postalCode,
      region: seller.address.region ?? null,
      country: seller.address.country,
    },
    contact: seller.contact
      ? { name: seller.contact.name ?? null, email: seller.contact.email ?? null, phone: seller.contact.phone ?? null }
      : null,
    electronicAddress: seller.electronicAddress ?? null,
  };
}

function buyerParty(buyer: BuyerParty, address: Address): EinvoiceParty {
  return {
    name: buyer.name,
    tradingName: null,
    vatId: buyer.vatId,
    taxRegistrationId: null,
    legalRegistrationId: buyer.legalRegistrationId,
    address: {
      line1: address.line1,
      line2: address.line2 ?? null,
      city: address.city,
      postalCode: address.postalCode ?? null,
      region: address.region ?? null,
      country: address.country,
    },
    contact: null,
    electronicAddress: buyer.electronicAddress,
  };
}

/**
 * A line's price as EN 16931 states it. Quantity × net price must give the line amount within
 * Peppol's 0.02 tolerance (PEPPOL-EN16931-R120); where rounding the line to the currency's minor
 * unit moves it further (JPY: 1.5 × ¥333 = ¥499.5 → ¥500), the price is stated per the whole
 * quantity instead (BT-149 base quantity), which is exact.
 */
function priced(
  l: Pick<LineItem, 'unitPrice' | 'discount'>,
  quantity: Big,
  amount: number,
  currency: string,
): Pick<EinvoiceLine, 'netPrice' | 'baseQuantity' | 'grossPrice' | 'priceDiscount'> {
  const net = netUnitPrice(l);
  const scale = new Big(10).pow(minorUnits(currency));
  if (quantity.times(net).minus(amount).abs().div(scale).lte('0.01')) {
    const discount = unitDiscount(l.unitPrice, l.discount);
    return {
      netPrice: net,
      baseQuantity: null,
      grossPrice: discount.gt(0) ? new Big(l.unitPrice) : null,
      priceDiscount: discount.gt(0) ? discount : null,
    };
  }
  return { netPrice: new Big(amount), baseQuantity: quantity, grossPrice: null, priceDiscount: null };
}

function vatGroups(
  lines: {
    category: TaxCategory;
    rate: number;
    amount: number;
    tax: number;
    reason: string | null;
    reasonCode: string | null;
  }[],
): EinvoiceVatGroup[] {
  const groups = new Map<string, EinvoiceVatGroup>();
  for (const l of lines) {
    const key = `${l.category}|${new Big(l.rate).toString()}`;
    const g = groups.get(key) ?? {
      category: l.category,
      rate: l.rate,
      taxable: 0,
      tax: 0,
      exemptionReason: null,
      exemptionReasonCode: null,
    };
    g.taxable += l.amount;
    // The group's VAT is the sum of its lines' shares: for invoices priced by EN 16931's rule that
    // is the VAT rounded once over the group; for older ones it is what the invoice charged.
    g.tax += l.tax;
    g.exemptionReason ??= l.reason;
    g.exemptionReasonCode ??= l.reasonCode;
    groups.set(key, g);
  }
  return [...groups.values()];
}

type Parties = { seller: SellerProfile | null | undefined; buyer: BuyerParty | null | undefined };

function checkParties(invoice: Invoice, p: Parties, m: Missing, categories: Set<TaxCategory>) {
  m.need(invoice.status !== 'draft', 'status', 'BR-01', 'a draft is not an e-invoice');
  const seller = p.seller;
  m.need(seller, 'seller', 'BR-06', 'the seller profile (settings.seller) is required');
  if (seller) {
    const hasTaxId = seller.vatId || seller.taxRegistrationId;
    m.need(
      seller.vatId || seller.legalRegistrationId,
      'seller.vatId',
      'BR-CO-26',
      'the seller needs a VAT id or a legal registration id',
    );
    if (categories.has('S') || categories.has('Z') || categories.has('E') || categories.has('AE'))
      m.need(
        hasTaxId,
        'seller.vatId',
        'BR-S-02',
        'the seller needs a VAT id or tax registration id on a taxed invoice',
      );
    if (categories.has('K') || categories.has('G'))
      m.need(
        seller.vatId,
        'seller.vatId',
        'BR-IC-02',
        'the seller needs a VAT id for an intra-community supply or export',
      );
  }
  const buyer = p.buyer;
  m.need(
    buyer || invoice.billingAddress,
    'company',
    'BR-07',
    'the buyer is required: associate a company or give a billing address',
  );
  m.need(buyer?.address || invoice.billingAddress, 'billingAddress', 'BR-10', "the buyer's address is required");
  if (categories.has('AE') || categories.has('K'))
    m.need(buyer?.vatId, 'company.vatId', 'BR-AE-02', "the buyer's VAT id is required for reverse charge");
  if (categories.has('O') && categories.size > 1)
    m.need(
      false,
      'lineItems',
      'BR-O-11',
      'a line outside the scope of VAT cannot be invoiced with other VAT categories',
    );
  if (seller?.electronicAddress) {
    m.need(
      buyer?.electronicAddress,
      'company.electronicAddress',
      'PEPPOL-EN16931-R010',
      "the buyer's electronic address is required on Peppol",
    );
    m.need(
      invoice.buyerReference || invoice.poNumber,
      'buyerReference',
      'PEPPOL-EN16931-R003',
      'a buyer reference or PO number is required on Peppol',
    );
  }
}

/** The invoice's buyer: its company fixed at finalization, or a named contact at its billing address. */
function resolveBuyer(invoice: Invoice, p: Parties, contactName: string | null): EinvoiceParty | null {
  const address = p.buyer?.address ?? invoice.billingAddress;
  if (!address) return null;
  const buyer: BuyerParty = p.buyer ?? {
    name: contactName ?? address.line1,
    vatId: null,
    legalRegistrationId: null,
    electronicAddress: null,
    address,
  };
  return buyerParty(buyer, address);
}

function header(invoice: Invoice, p: Parties, categories: Set<TaxCategory>) {
  const seller = p.seller!;
  const outOfScope = categories.has('O');
  const sellerP = sellerParty(seller);
  // BR-O-02: an invoice outside the scope of VAT carries no VAT ids.
  if (outOfScope) sellerP.vatId = null;
  return {
    peppol: Boolean(seller.electronicAddress),
    currency: invoice.currency,
    buyerReference: invoice.buyerReference ?? null,
    orderReference: invoice.poNumber,
    seller: sellerP,
    payment: seller.bankAccount
      ? {
          iban: seller.bankAccount.iban,
          bic: seller.bankAccount.bic ?? null,
          accountName: seller.bankAccount.name ?? null,
          remittance: invoice.number ?? invoice.id,
        }
      : null,
  };
}

/** The invoice as an EN 16931 document, or 422 naming what is missing. */
export function invoiceEinvoice(
  invoice: Invoice,
  opts: { contactName: string | null; parties?: Parties },
): EinvoiceDocument {
  const p: Parties = opts.parties ?? { seller: invoice.seller, buyer: invoice.buyer };
  const categories = new Set(invoice.lineItems.map((l) => taxCategoryOf(l)));
  const m = new Missing();
  checkParties(invoice, p, m, categories);
  m.throwIfAny();
  const buyer = resolveBuyer(invoice, p, opts.contactName)!;
  if (categories.has('O')) buyer.vatId = null;
  const lines: EinvoiceLine[] = invoice.lineItems.map((l, i) => {
    const quantity = new Big(l.quantity);
    return {
      id: String(i + 1),
      name: l.name,
      description: l.description,
      quantity,
      unitCode: l.unitCode ?? 'C62',
      amount: l.amount,
      ...priced(l, quantity, l.amount, invoice.currency),
      category: taxCategoryOf(l),
      rate: l.taxRate ?? 0,
    };
  });
  const vat = vatGroups(
    invoice.lineItems.map((l) => ({
      category: taxCategoryOf(l),
      rate: l.taxRate ?? 0,
      amount: l.amount,
      tax: l.taxAmount,
      reason: l.taxExemptionReason ?? null,
      reasonCode: l.taxExemptionReasonCode ?? null,
    })),
  );
  const t = invoice.totals;
  const net = t.subtotal - t.discount;
  return {
    kind: 'invoice',
    ...header(invoice, p, categories),
    number: invoice.number!,
    issueDate: invoice.invoiceDate,
    dueDate: invoice.dueDate,
    precedingInvoice: null,
    paymentTerms: PAYMENT_TERMS_TEXT[invoice.paymentTerms] ?? null,
    buyer,
    delivery: categories.has('K') ? { date: invoice.invoiceDate, country: buyer.address.country } : null,
    lines,
    vat,
    lineTotal: net,
    taxExclusive: net,
    tax: t.tax,
    taxInclusive: t.total,
    // What the API shows as due; payments and credits so far are what was prepaid.
    prepaid: t.total - t.balanceDue,
    payable: t.balanceDue,
  };
}

/** A credit note as an EN 16931 credit note (type 381) referring to its invoice (BT-25). */
export function creditNoteEinvoice(
  creditNote: CreditNote,
  invoice: Invoice,
  opts: { contactName: string | null; parties?: Parties },
): EinvoiceDocument {
  const p: Parties = opts.parties ?? { seller: invoice.seller, buyer: invoice.buyer };
  const m = new Missing();
  const source = (id: string | null) => invoice.lineItems.find((l) => l.id === id);
  const groupsOnInvoice = new Set(invoice.lineItems.map((l) => `${taxCategoryOf(l)}|${l.taxRate ?? 0}`));
  const lumpSum = creditNote.lines.some((l) => !source(l.lineItemId));
  // A lump sum carries no VAT of its own (domain/credit-notes): it can stand only where the invoice charged none.
  if (lumpSum)
    m.need(
      invoice.totals.tax === 0 && groupsOnInvoice.size === 1,
      'lines',
      'BR-CO-17',
      'a lump-sum credit note on an invoice with VAT cannot state its VAT breakdown; credit lines instead',
    );
  const lineFacts = creditNote.lines.map((cl) => {
    const l = source(cl.lineItemId) ?? invoice.lineItems[0]!;
    return { cl, l, category: taxCategoryOf(l), rate: l.taxRate ?? 0 };
  });
  const categories = new Set(lineFacts.map((f) => f.category));
  checkParties(invoice, p, m, categories);
  m.throwIfAny();
  const buyer = resolveBuyer(invoice, p, opts.contactName)!;
  if (categories.has('O')) buyer.vatId = null;
  const lines: EinvoiceLine[] = lineFacts.map(({ cl, l, category, rate }, i) => {
    const quantity = cl.quantity !== null && cl.lineItemId ? new Big(cl.quantity) : new Big(1);
    const price =
      cl.quantity !== null && cl.lineItemId
        ? priced(l, quantity, cl.amount, invoice.currency)
        : { netPrice: new Big(cl.amount), baseQuantity: null, grossPrice: null, priceDiscount: null };
    return {
      id: String(i + 1),
      name: cl.description,
      description: null,
      quantity,
      unitCode: cl.quantity !== null && cl.lineItemId ? (l.unitCode ?? 'C62') : 'C62',
      amount: cl.amount,
      ...price,
      category,
      rate,
    };
  });
  const vat = vatGroups(
    lineFacts.map(({ cl, l, category, rate }) => ({
      category,
      rate,
      amount: cl.amount,
      tax: cl.tax,
      reason: l.taxExemptionReason ?? null,
      reasonCode: l.taxExemptionReasonCode ?? null,
    })),
  );
  return {
    kind: 'creditNote',
    ...header(invoice, p, categories),
    number: creditNote.number,
    issueDate: creditNote.issuedAt.slice(0, 10),
    dueDate: null,
    precedingInvoice: { number: invoice.number!, issueDate: invoice.invoiceDate },
    paymentTerms: null,
    buyer,
    delivery: categories.has('K') ? { date: invoice.invoiceDate, country: buyer.address.country } : null,
    lines,
    vat,
    lineTotal: creditNote.subtotal,
    taxExclusive: creditNote.subtotal,
    tax: creditNote.tax,
    taxInclusive: creditNote.total,
    prepaid: 0,
    payable: creditNote.total,
  };
}
