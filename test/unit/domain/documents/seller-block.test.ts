import { sellerLines } from '../../../../domain/mail/invoice-emails.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadInvoiceTemplate, renderInvoiceHtml } from '../../../../domain/documents/invoice-template.js';
import { seller } from '../../../support/einvoice-fixtures.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../../../support/sample-invoice.js';

beforeAll(loadInvoiceTemplate);

/** The "From" block (VAT directive art. 226: the supplier's name, address and VAT number) and the bank details. */
describe('the seller on the document', () => {
  const parties = { contacts: [sampleContact()], company: sampleCompany() };

  test('an issued invoice shows the seller it was issued by, with its ids and IBAN, in its language', () => {
    const html = renderInvoiceHtml({
      invoice: sampleInvoice({ status: 'open', language: 'de', seller: { ...seller, tradingName: 'Tulip <b>' } }),
      ...parties,
      mode: 'pdf',
    });
    expect(html).toContain('<h2>Von</h2>');
    expect(html).toContain('Tulip &lt;b&gt;');
    expect(html).toContain('Tulip Software B.V.');
    expect(html).toContain('Keizersgracht 1');
    expect(html).toContain('USt-IdNr. NL123456789B01');
    expect(html).toContain('NL91 ABNA 0417 1643 00');
    expect(html).toContain('ABNANL2A');
  });

  test('the view can name the seller (a draft shows the current profile); without one there is no From block', () => {
    const withView = renderInvoiceHtml({
      invoice: sampleInvoice({ status: 'draft' }),
      ...parties,
      mode: 'preview',
      seller,
    });
    expect(withView).toContain('class="from"');
    const none = renderInvoiceHtml({ invoice: sampleInvoice({ status: 'draft' }), ...parties, mode: 'preview' });
    expect(none).not.toContain('class="from"');
    expect(none).not.toContain('IBAN');
  });

  test('a paid invoice shows no bank details (nothing is payable)', () => {
    const html = renderInvoiceHtml({ invoice: sampleInvoice({ status: 'paid', seller }), ...parties, mode: 'pdf' });
    expect(html).toContain('class="from"');
    expect(html).not.toContain('NL91 ABNA');
  });
});

describe('the seller in the email', () => {
  test('name, address, VAT id and IBAN sign the message', () => {
    expect(sellerLines(seller)).toEqual([
      'Tulip Software B.V.',
      'Keizersgracht 1',
      '1015 CC Amsterdam NL',
      'VAT NL123456789B01',
      'billing@tulip.example',
      'IBAN NL91ABNA0417164300 (BIC ABNANL2A)',
    ]);
    expect(sellerLines(null)).toEqual([]);
  });
});
