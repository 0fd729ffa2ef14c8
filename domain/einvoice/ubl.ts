import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import {
  amountText,
  type EinvoiceDocument,
  type EinvoiceLine,
  type EinvoiceParty,
  type EinvoiceVatGroup,
} from './einvoice-document.js';

/**
 * UBL 2.1 Invoice / CreditNote (ISO/IEC 19845) for EN 16931, with the Peppol BIS Billing 3.0
 * customization when the document goes over Peppol. Written with xmlbuilder2 (escaping and
 * namespaces are its job), element by element in the order the UBL schema fixes.
 */
const NS = {
  Invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  CreditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};
export const PEPPOL_CUSTOMIZATION = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const PEPPOL_PROFILE = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
export const EN16931_CUSTOMIZATION = 'urn:cen.eu:en16931:2017';

type El = XMLBuilder;
const cbc = (parent: El, name: string, text: string | null | undefined, attrs?: Record<string, string>) => {
  // Peppol refuses empty elements (PEPPOL-EN16931-R008): a missing value leaves the element out.
  if (text === null || text === undefined || text === '') return;
  parent.ele(NS.cbc, `cbc:${name}`, attrs).txt(text);
};
const cac = (parent: El, name: string) => parent.ele(NS.cac, `cac:${name}`);

function address(parent: El, a: EinvoiceParty['address']) {
  const el = cac(parent, 'PostalAddress');
  cbc(el, 'StreetName', a.line1);
  cbc(el, 'AdditionalStreetName', a.line2);
  cbc(el, 'CityName', a.city);
  cbc(el, 'PostalZone', a.postalCode);
  cbc(el, 'CountrySubentity', a.region);
  cbc(cac(el, 'Country'), 'IdentificationCode', a.country);
}

function party(parent: El, role: 'AccountingSupplierParty' | 'AccountingCustomerParty', p: EinvoiceParty) {
  const el = cac(cac(parent, role), 'Party');
  if (p.electronicAddress) cbc(el, 'EndpointID', p.electronicAddress.id, { schemeID: p.electronicAddress.scheme });
  if (p.tradingName) cbc(cac(el, 'PartyName'), 'Name', p.tradingName);
  address(el, p.address);
  if (p.vatId) {
    const tax = cac(el, 'PartyTaxScheme');
    cbc(tax, 'CompanyID', p.vatId);
    cbc(cac(tax, 'TaxScheme'), 'ID', 'VAT');
  }
  if (p.taxRegistrationId) {
    // BT-32: a tax registration other than VAT (Peppol: any scheme id but VAT).
    const tax = cac(el, 'PartyTaxScheme');
    cbc(tax, 'CompanyID', p.taxRegistrationId);
    cbc(cac(tax, 'TaxScheme'), 'ID', 'FC');
  }
  const legal = cac(el, 'PartyLegalEntity');
  cbc(legal, 'RegistrationName', p.name);
  if (p.legalRegistrationId)
    cbc(
      legal,
      'CompanyID',
      p.legalRegistrationId.id,
      p.legalRegistrationId.scheme ? { schemeID: p.legalRegistrationId.scheme } : undefined,
    );
  if (p.contact && (p.contact.name || p.contact.phone || p.contact.email)) {
    const c = cac(el, 'Contact');
    cbc(c, 'Name', p.contact.name);
    cbc(c, 'Telephone', p.contact.phone);
    cbc(c, 'ElectronicMail', p.contact.email);
  }
}

function taxCategory(
  parent: El,
  name: 'TaxCategory' | 'ClassifiedTaxCategory',
  g: Pick<EinvoiceVatGroup, 'category' | 'rate'>,
  reason?: EinvoiceVatGroup,
) {
  const el = cac(parent, name);
  cbc(el, 'ID', g.category);
  // Outside the scope of VAT has no rate at all (BR-O-05); every other category states one.
  if (g.category !== 'O') cbc(el, 'Percent', String(g.rate));
  if (reason) {
    cbc(el, 'TaxExemptionReasonCode', reason.exemptionReasonCode);
    cbc(el, 'TaxExemptionReason', reason.exemptionReason);
  }
  cbc(cac(el, 'TaxScheme'), 'ID', 'VAT');
}

function line(root: El, doc: EinvoiceDocument, l: EinvoiceLine) {
  const cur = { currencyID: doc.currency };
  const credit = doc.kind === 'creditNote';
  const el = cac(root, credit ? 'CreditNoteLine' : 'InvoiceLine');
  cbc(el, 'ID', l.id);
  cbc(el, credit ? 'CreditedQuantity' : 'InvoicedQuantity', l.quantity.toFixed(), { unitCode: l.unitCode });
  cbc(el, 'LineExtensionAmount', amountText(l.amount, doc.currency), cur);
  const item = cac(el, 'Item');
  cbc(item, 'Description', l.description);
  cbc(item, 'Name', l.name);
  taxCategory(item, 'ClassifiedTaxCategory', l);
  const price = cac(el, 'Price');
  cbc(price, 'PriceAmount', amountText(l.netPrice, doc.currency), cur);
  if (l.baseQuantity) cbc(price, 'BaseQuantity', l.baseQuantity.toFixed(), { unitCode: l.unitCode });
  if (l.priceDiscount && l.grossPrice) {
    const ac = cac(price, 'AllowanceCharge');
    cbc(ac, 'ChargeIndicator', 'false');
    cbc(ac, 'Amount', amountText(l.priceDiscount, doc.currency), cur);
    cbc(ac, 'BaseAmount', amountText(l.grossPrice, doc.currency), cur);
  }
}

/** The document as UBL 2.1 XML text. */
export function toUbl(doc: EinvoiceDocument): string {
  const rootName = doc.kind === 'creditNote' ? 'CreditNote' : 'Invoice';
  const xml = create({ version: '1.0', encoding: 'UTF-8' });
  const root = xml.ele(NS[rootName], rootName).att('xmlns:cac', NS.cac).att('xmlns:cbc', NS.cbc);
  const cur = { currencyID: doc.currency };
  const money = (n: number) => amountText(n, doc.currency);
  cbc(root, 'CustomizationID', doc.peppol ? PEPPOL_CUSTOMIZATION : EN16931_CUSTOMIZATION);
  if (doc.peppol) cbc(root, 'ProfileID', PEPPOL_PROFILE);
  cbc(root, 'ID', doc.number);
  cbc(root, 'IssueDate', doc.issueDate);
  if (doc.kind === 'invoice') {
    cbc(root, 'DueDate', doc.dueDate);
    cbc(root, 'InvoiceTypeCode', '380');
  } else {
    cbc(root, 'CreditNoteTypeCode', '381');
  }
  cbc(root, 'DocumentCurrencyCode', doc.currency);
  cbc(root, 'BuyerReference', doc.buyerReference);
  if (doc.orderReference) cbc(cac(root, 'OrderReference'), 'ID', doc.orderReference);
  if (doc.precedingInvoice) {
    const ref = cac(cac(root, 'BillingReference'), 'InvoiceDocumentReference');
    cbc(ref, 'ID', doc.precedingInvoice.number);
    cbc(ref, 'IssueDate', doc.precedingInvoice.issueDate);
  }
  party(root, 'AccountingSupplierParty', doc.seller);
  party(root, 'AccountingCustomerParty', doc.buyer);
  if (doc.delivery) {
    const d = cac(root, 'Delivery');
    cbc(d, 'ActualDeliveryDate', doc.delivery.date);
    cbc(cac(cac(cac(d, 'DeliveryLocation'), 'Address'), 'Country'), 'IdentificationCode', doc.delivery.country);
  }
  if (doc.payment) {
    const pm = cac(root, 'PaymentMeans');
    cbc(pm, 'PaymentMeansCode', '30'); // credit transfer
    if (doc.kind === 'creditNote') cbc(pm, 'PaymentDueDate', doc.dueDate);
    cbc(pm, 'PaymentID', doc.payment.remittance);
    const account = cac(pm, 'PayeeFinancialAccount');
    cbc(account, 'ID', doc.payment.iban);
    cbc(account, 'Name', doc.payment.accountName);
    if (doc.payment.bic) cbc(cac(account, 'FinancialInstitutionBranch'), 'ID', doc.payment.bic);
  }
  if (doc.paymentTerms) cbc(cac(root, 'PaymentTerms'), 'Note', doc.paymentTerms);
  const taxTotal = cac(root, 'TaxTotal');
  cbc(taxTotal, 'TaxAmount', money(doc.tax), cur);
  for (const g of doc.vat) {
    const sub = cac(taxTotal, 'TaxSubtotal');
    cbc(sub, 'TaxableAmount', money(g.taxable), cur);
    cbc(sub, 'TaxAmount', money(g.tax), cur);
    taxCategory(sub, 'TaxCategory', g, g);
  }
  const totals = cac(root, 'LegalMonetaryTotal');
  cbc(totals, 'LineExtensionAmount', money(doc.lineTotal), cur);
  cbc(totals, 'TaxExclusiveAmount', money(doc.taxExclusive), cur);
  cbc(totals, 'TaxInclusiveAmount', money(doc.taxInclusive), cur);
  if (doc.prepaid) cbc(totals, 'PrepaidAmount', money(doc.prepaid), cur);
  cbc(totals, 'PayableAmount', money(doc.payable), cur);
  for (const l of doc.lines) line(root, doc, l);
  return xml.end({ prettyPrint: true });
}
