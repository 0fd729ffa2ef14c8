import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { amountText, type EinvoiceDocument, type EinvoiceParty } from './einvoice-document.js';

/**
 * UN/CEFACT Cross Industry Invoice D16B for EN 16931: the XML inside a Factur-X / ZUGFeRD PDF.
 * Written with xmlbuilder2, in the element order the CII schema fixes.
 */
const NS = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};
export const CII_EN16931_GUIDELINE = 'urn:cen.eu:en16931:2017';

type El = XMLBuilder;
const ram = (parent: El, name: string, text?: string | null, attrs?: Record<string, string>): El | undefined => {
  if (text === null || text === '') return undefined;
  const el = parent.ele(NS.ram, `ram:${name}`, attrs);
  if (text !== undefined) el.txt(text);
  return el;
};
const group = (parent: El, name: string) => parent.ele(NS.ram, `ram:${name}`);
const date102 = (parent: El, ns: 'udt' | 'qdt', isoDate: string) =>
  parent.ele(NS[ns], `${ns}:DateTimeString`, { format: '102' }).txt(isoDate.replaceAll('-', ''));

function party(parent: El, role: 'SellerTradeParty' | 'BuyerTradeParty', p: EinvoiceParty) {
  const el = group(parent, role);
  ram(el, 'Name', p.name);
  if (p.legalRegistrationId || p.tradingName) {
    const legal = group(el, 'SpecifiedLegalOrganization');
    if (p.legalRegistrationId)
      ram(
        legal,
        'ID',
        p.legalRegistrationId.id,
        p.legalRegistrationId.scheme ? { schemeID: p.legalRegistrationId.scheme } : undefined,
      );
    ram(legal, 'TradingBusinessName', p.tradingName);
  }
  if (p.contact && (p.contact.name || p.contact.phone || p.contact.email)) {
    const c = group(el, 'DefinedTradeContact');
    ram(c, 'PersonName', p.contact.name);
    if (p.contact.phone) ram(group(c, 'TelephoneUniversalCommunication'), 'CompleteNumber', p.contact.phone);
    if (p.contact.email) ram(group(c, 'EmailURIUniversalCommunication'), 'URIID', p.contact.email);
  }
  const a = group(el, 'PostalTradeAddress');
  ram(a, 'PostcodeCode', p.address.postalCode);
  ram(a, 'LineOne', p.address.line1);
  ram(a, 'LineTwo', p.address.line2);
  ram(a, 'CityName', p.address.city);
  ram(a, 'CountryID', p.address.country);
  ram(a, 'CountrySubDivisionName', p.address.region);
  if (p.electronicAddress)
    ram(group(el, 'URIUniversalCommunication'), 'URIID', p.electronicAddress.id, {
      schemeID: p.electronicAddress.scheme,
    });
  if (p.vatId) ram(group(el, 'SpecifiedTaxRegistration'), 'ID', p.vatId, { schemeID: 'VA' });
  if (p.taxRegistrationId) ram(group(el, 'SpecifiedTaxRegistration'), 'ID', p.taxRegistrationId, { schemeID: 'FC' });
}

/** The document as CII D16B XML text. */
export function toCii(doc: EinvoiceDocument): string {
  const money = (n: number) => amountText(n, doc.currency);
  const xml = create({ version: '1.0', encoding: 'UTF-8' });
  const root = xml
    .ele(NS.rsm, 'rsm:CrossIndustryInvoice')
    .att('xmlns:ram', NS.ram)
    .att('xmlns:qdt', NS.qdt)
    .att('xmlns:udt', NS.udt);
  ram(
    root.ele(NS.rsm, 'rsm:ExchangedDocumentContext').ele(NS.ram, 'ram:GuidelineSpecifiedDocumentContextParameter'),
    'ID',
    CII_EN16931_GUIDELINE,
  );
  const header = root.ele(NS.rsm, 'rsm:ExchangedDocument');
  ram(header, 'ID', doc.number);
  ram(header, 'TypeCode', doc.kind === 'creditNote' ? '381' : '380');
  date102(group(header, 'IssueDateTime'), 'udt', doc.issueDate);

  const tx = root.ele(NS.rsm, 'rsm:SupplyChainTradeTransaction');
  for (const l of doc.lines) {
    const item = group(tx, 'IncludedSupplyChainTradeLineItem');
    ram(group(item, 'AssociatedDocumentLineDocument'), 'LineID', l.id);
    const product = group(item, 'SpecifiedTradeProduct');
    ram(product, 'Name', l.name);
    ram(product, 'Description', l.description);
    const agreement = group(item, 'SpecifiedLineTradeAgreement');
    if (l.grossPrice && l.priceDiscount) {
      const gross = group(agreement, 'GrossPriceProductTradePrice');
      ram(gross, 'ChargeAmount', amountText(l.grossPrice, doc.currency));
      const ac = group(gross, 'AppliedTradeAllowanceCharge');
      group(ac, 'ChargeIndicator').ele(NS.udt, 'udt:Indicator').txt('false');
      ram(ac, 'ActualAmount', amountText(l.priceDiscount, doc.currency));
    }
    const net = group(agreement, 'NetPriceProductTradePrice');
    ram(net, 'ChargeAmount', amountText(l.netPrice, doc.currency));
    if (l.baseQuantity) ram(net, 'BasisQuantity', l.baseQuantity.toFixed(), { unitCode: l.unitCode });
    ram(group(item, 'SpecifiedLineTradeDelivery'), 'BilledQuantity', l.quantity.toFixed(), { unitCode: l.unitCode });
    const settlement = group(item, 'SpecifiedLineTradeSettlement');
    const tax = group(settlement, 'ApplicableTradeTax');
    ram(tax, 'TypeCode', 'VAT');
    ram(tax, 'CategoryCode', l.category);
    if (l.category !== 'O') ram(tax, 'RateApplicablePercent', String(l.rate));
    ram(group(settlement, 'SpecifiedTradeSettlementLineMonetarySummation'), 'LineTotalAmount', money(l.amount));
  }

  const agreement = group(tx, 'ApplicableHeaderTradeAgreement');
  ram(agreement, 'BuyerReference', doc.buyerReference);
  party(agreement, 'SellerTradeParty', doc.seller);
  party(agreement, 'BuyerTradeParty', doc.buyer);
  if (doc.orderReference) ram(group(agreement, 'BuyerOrderReferencedDocument'), 'IssuerAssignedID', doc.orderReference);

  const delivery = group(tx, 'ApplicableHeaderTradeDelivery');
  if (doc.delivery) {
    ram(group(group(delivery, 'ShipToTradeParty'), 'PostalTradeAddress'), 'CountryID', doc.delivery.country);
    date102(group(group(delivery, 'ActualDeliverySupplyChainEvent'), 'OccurrenceDateTime'), 'udt', doc.delivery.date);
  }

  const settlement = group(tx, 'ApplicableHeaderTradeSettlement');
  if (doc.payment) ram(settlement, 'PaymentReference', doc.payment.remittance);
  ram(settlement, 'InvoiceCurrencyCode', doc.currency);
  if (doc.payment) {
    const pm = group(settlement, 'SpecifiedTradeSettlementPaymentMeans');
    ram(pm, 'TypeCode', '30');
    const account = group(pm, 'PayeePartyCreditorFinancialAccount');
    ram(account, 'IBANID', doc.payment.iban);
    ram(account, 'AccountName', doc.payment.accountName);
    if (doc.payment.bic) ram(group(pm, 'PayeeSpecifiedCreditorFinancialInstitution'), 'BICID', doc.payment.bic);
  }
  for (const g of doc.vat) {
    const tax = group(settlement, 'ApplicableTradeTax');
    ram(tax, 'CalculatedAmount', money(g.tax));
    ram(tax, 'TypeCode', 'VAT');
    ram(tax, 'ExemptionReason', g.exemptionReason);
    ram(tax, 'BasisAmount', money(g.taxable));
    ram(tax, 'CategoryCode', g.category);
    ram(tax, 'ExemptionReasonCode', g.exemptionReasonCode);
    if (g.category !== 'O') ram(tax, 'RateApplicablePercent', String(g.rate));
  }
  if (doc.paymentTerms || doc.dueDate) {
    const terms = group(settlement, 'SpecifiedTradePaymentTerms');
    ram(terms, 'Description', doc.paymentTerms);
    if (doc.dueDate) date102(group(terms, 'DueDateDateTime'), 'udt', doc.dueDate);
  }
  const sums = group(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  ram(sums, 'LineTotalAmount', money(doc.lineTotal));
  ram(sums, 'TaxBasisTotalAmount', money(doc.taxExclusive));
  ram(sums, 'TaxTotalAmount', money(doc.tax), { currencyID: doc.currency });
  ram(sums, 'GrandTotalAmount', money(doc.taxInclusive));
  if (doc.prepaid) ram(sums, 'TotalPrepaidAmount', money(doc.prepaid));
  ram(sums, 'DuePayableAmount', money(doc.payable));
  if (doc.precedingInvoice) {
    const ref = group(settlement, 'InvoiceReferencedDocument');
    ram(ref, 'IssuerAssignedID', doc.precedingInvoice.number);
    date102(group(ref, 'FormattedIssueDateTime'), 'qdt', doc.precedingInvoice.issueDate);
  }
  return xml.end({ prettyPrint: true });
}
