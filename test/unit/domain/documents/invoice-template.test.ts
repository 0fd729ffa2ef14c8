import { sanitizeRichText } from '../../../../domain/invoices/rich-text.js';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  INVOICE_CSP,
  loadInvoiceTemplate,
  renderInvoiceHtml,
  type DocumentMode,
} from '../../../../domain/documents/invoice-template.js';
import type { Invoice } from '../../../../domain/invoices/invoice.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../../../support/sample-invoice.js';

// The sanitizer and the address formats load on first use (as in a function, at its point of use).
beforeAll(loadInvoiceTemplate);

const render = (
  invoice: Partial<Invoice> = {},
  mode: DocumentMode = 'pdf',
  parties = { contacts: [sampleContact()], company: sampleCompany() },
) => renderInvoiceHtml({ invoice: sampleInvoice(invoice), ...parties, mode });
/** Intl puts no-break and narrow no-break spaces in money and dates; compare with plain spaces. */
const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');
/** The text of the document, tags removed and entities of plain text decoded. */
const text = (html: string) =>
  plain(
    html
      .replace(/<style>[\s\S]*?<\/style>/, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'"),
  );

describe('labels come from the invoice language’s catalog', () => {
  test.each([
    ['en', ['Invoice', 'Bill to', 'Due date', 'Unit price', 'Subtotal', 'Balance due', 'PO number', 'Payment methods']],
    [
      'nl',
      [
        'Factuur',
        'Factuur aan',
        'Vervaldatum',
        'Prijs per stuk',
        'Subtotaal',
        'Openstaand bedrag',
        'Inkoopordernummer',
        'Betaalmethoden',
      ],
    ],
    [
      'de',
      [
        'Rechnung',
        'Rechnungsempfänger',
        'Fälligkeitsdatum',
        'Einzelpreis',
        'Zwischensumme',
        'Offener Betrag',
        'Bestellnummer',
        'Zahlungsarten',
      ],
    ],
    [
      'fr',
      [
        'Facture',
        'Facturer à',
        'Date d’échéance',
        'Prix unitaire',
        'Sous-total',
        'Solde dû',
        'Numéro de bon de commande',
        'Moyens de paiement',
      ],
    ],
    [
      'es',
      [
        'Factura',
        'Facturar a',
        'Fecha de vencimiento',
        'Precio unitario',
        'Subtotal',
        'Saldo pendiente',
        'Número de orden de compra',
        'Formas de pago',
      ],
    ],
  ] as const)('%s', (language, labels) => {
    const html = render({ language });
    expect(html).toContain(`<html lang="${language}">`);
    for (const label of labels) expect(text(html)).toContain(label);
  });
});

describe('money, dates and numbers in the invoice’s locale', () => {
  test('nl-NL EUR: € 1.234,56 style, Dutch dates', () => {
    const t = text(render({ language: 'nl', locale: 'nl-NL', currency: 'EUR' }));
    expect(t).toContain('€ 1.325,73'); // total
    expect(t).toContain('€ 234,56'); // unit price
    expect(t).toContain('€ 1.351,84'); // subtotal
    expect(t).toContain('27 november 2026');
    expect(t).toMatch(/\b1,5\b/); // fractional quantity
  });

  test('an amount of 123456 minor units in nl-NL EUR reads € 1.234,56', () => {
    const inv = sampleInvoice();
    const t = text(
      render({
        language: 'nl',
        locale: 'nl-NL',
        currency: 'EUR',
        lineItems: [{ ...inv.lineItems[1]!, quantity: 1, unitPrice: 123_456, taxRate: null }],
      }),
    );
    expect(t).toMatch(/Totaal\s+€ 1\.234,56/);
  });

  test('en-US USD: $1,234.56 style, US dates', () => {
    const t = text(render());
    expect(t).toContain('$1,325.73');
    expect(t).toContain('$234.56');
    expect(t).toContain('November 27, 2026');
  });

  test('JPY has no minor units: 123456 is ¥123,456, never ¥1,234.56', () => {
    const inv = sampleInvoice();
    const t = text(
      render({
        currency: 'JPY',
        lineItems: [{ ...inv.lineItems[1]!, quantity: 1, unitPrice: 123_456, taxRate: null }],
      }),
    );
    expect(t).toContain('¥123,456');
    expect(t).not.toMatch(/¥[\d,]+\.\d/);
  });

  test('de-DE and fr-FR put the symbol after the amount', () => {
    expect(text(render({ language: 'de', locale: 'de-DE', currency: 'EUR' }))).toContain('1.325,73 €');
    expect(text(render({ language: 'fr', locale: 'fr-FR', currency: 'EUR' }))).toContain('1 325,73 €');
  });

  test('a discount reads as a percent, or as an amount per unit', () => {
    expect(text(render())).toContain('10%');
    const inv = sampleInvoice();
    const lines = [{ ...inv.lineItems[0]!, discount: { type: 'amount' as const, value: 500 } }];
    expect(text(render({ lineItems: lines }))).toContain('$5.00 per unit');
  });
});

describe('addresses follow their country’s format', () => {
  const us = {
    line1: '350 Fifth Avenue',
    line2: 'Suite 3300',
    city: 'New York',
    region: 'NY',
    postalCode: '10118',
    country: 'US',
  };
  const nl = { line1: 'Keizersgracht 123', city: 'Amsterdam', postalCode: '1015 CJ', country: 'NL' };

  test('US: city, state and ZIP on one line, ZIP last; NL: postcode before the city', () => {
    const usHtml = render({ billingAddress: us });
    const nlHtml = render({ billingAddress: nl });
    expect(usHtml).toContain('350 Fifth Avenue<br>Suite 3300<br>New York, NY 10118<br>United States');
    expect(nlHtml).toContain('Keizersgracht 123<br>1015 CJ Amsterdam<br>Netherlands');
  });

  test('the country is named in the invoice’s language', () => {
    expect(render({ billingAddress: nl, language: 'de' })).toContain('1015 CJ Amsterdam<br>Niederlande');
  });

  test('without a billing address on the invoice, the company’s address is used', () => {
    expect(render({ billingAddress: null })).toContain('Keizersgracht 123<br>1015 CJ Amsterdam');
  });
});

describe('marks and modes', () => {
  test('the page links to its PDF; the preview and the PDF do not', () => {
    expect(render({}, 'page')).toContain('href="b7c1f0e2a9d84c55a1e3f6b2c4d8e0f1/pdf"');
    expect(render({}, 'page')).toContain('Download PDF');
    expect(render({}, 'preview')).not.toContain('Download PDF');
    expect(render({}, 'pdf')).not.toContain('Download PDF');
  });

  test('a draft preview carries the DRAFT mark', () => {
    const html = render({ status: 'draft', number: null }, 'preview');
    expect(html).toContain('class="mark draft"');
    expect(text(html)).toContain('DRAFT');
    expect(text(html)).toContain('Draft invoice');
  });

  test('PAID and VOID marks, in the invoice’s language', () => {
    expect(render({ status: 'paid' })).toMatch(/class="mark paid"[^>]*>PAID</);
    expect(render({ status: 'voided' })).toMatch(/class="mark voided"[^>]*>VOID</);
    expect(render({ status: 'paid', language: 'nl' })).toMatch(/class="mark paid"[^>]*>BETAALD</);
    expect(render({ status: 'open' })).not.toContain('class="mark');
  });

  test('a voided invoice’s page shows it void and offers no payment options', () => {
    const html = render({ status: 'voided' }, 'page');
    expect(text(html)).toContain('This invoice has been voided');
    expect(html).not.toContain('class="payment"');
    expect(text(html)).not.toContain('Credit or debit card');
    expect(render({ status: 'open' }, 'page')).toContain('class="payment"');
  });

  test('an open, past-due invoice says so', () => {
    expect(text(render({ pastDue: true }))).toContain('Past due');
  });
});

describe('user text never becomes markup', () => {
  /** Known payloads (OWASP's XSS filter evasion cheat sheet and PortSwigger's list, abridged). */
  const XSS = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '</style><script>x()</script>',
    '<ScRiPt>alert(1)</sCrIpT>',
    '<img src="x" onerror="&#97;lert(1)">',
    '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<body onload=alert(1)>',
    '<details open ontoggle=alert(1)>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example"><button>Pay</button></form>',
    '"><style>@import "https://evil.example/x.css";</style>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  ];

  /** The elements of a document, in order: a payload that made markup would add to them. */
  const tags = (html: string) => [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
  const filled = (value: string, mode: 'page' | 'pdf') => {
    const inv = sampleInvoice();
    return render(
      {
        number: `INV-${value}`,
        poNumber: value,
        billingAddress: { line1: value, line2: value, city: value, region: value, postalCode: value, country: 'US' },
        lineItems: [{ ...inv.lineItems[0]!, name: value, description: value }],
      },
      mode,
      {
        contacts: [sampleContact({ firstName: value, lastName: value, email: `${value}@x.test` })],
        company: sampleCompany({ name: value }),
      },
    );
  };

  test.each(XSS.flatMap((p) => (['page', 'pdf'] as const).map((mode) => [mode, p] as const)))(
    '%s: %s in every field a user fills in',
    (mode, payload) => {
      const html = filled(payload, mode);
      expect(html).not.toContain(payload);
      // No element beyond those plain text in the same fields gives (a plain email may become a
      // link, so the payload's page can have fewer), and no event-handler attribute in any tag.
      const count = (xs: string[]) => xs.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<string, number>());
      const plain = count(tags(filled('plain', mode)));
      for (const [tag, n] of count(tags(html))) expect(n, `<${tag}>`).toBeLessThanOrEqual(plain.get(tag) ?? 0);
      expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
      // Still shown to the buyer, as text.
      expect(html).toContain('&lt;');
    },
  );

  test.each(XSS)('comments: %s is sanitized away, on the page and in the PDF', (payload) => {
    for (const mode of ['page', 'pdf'] as const) {
      const html = render({ comments: sanitizeRichText(`<p>Thanks</p>${payload}`) }, mode);
      // Only the allowed rich-text elements may come from a comment.
      const extra = tags(html).filter((t) => !tags(render({ comments: '<p>Thanks</p>' }, mode)).includes(t));
      expect(
        extra.every((t) => ['a', 'p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li'].includes(t)),
        extra.join(),
      ).toBe(true);
      expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
      expect(html).not.toMatch(/javascript:|data:text\/html|@import|evil\.example/i);
      expect(html).toContain('Thanks');
    }
  });

  test('comments are sanitized rich text: formatting and links stay, scripts and handlers go', () => {
    const html = render({
      comments:
        '<p>Pay <b>soon</b> <a href="https://pay.example.com">here</a></p><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>',
    });
    expect(html).toContain('<b>soon</b>');
    expect(html).toContain('<a href="https://pay.example.com" rel="noopener noreferrer nofollow">here</a>');
    expect(html).not.toMatch(/<script|<img|onerror|javascript:/i);
  });

  test('the document has no script and no inline style attribute at all', () => {
    for (const mode of ['page', 'preview', 'pdf'] as const) {
      const html = render({ comments: '<p style="color:red">x</p>' }, mode);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html.match(/<style>/g)).toHaveLength(1);
    }
  });
});

describe('Content-Security-Policy', () => {
  test('is strict and allows exactly the style block, by its sha256', () => {
    const html = render({}, 'page');
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(css, 'utf8').digest('base64');
    const directives = Object.fromEntries(
      INVOICE_CSP.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );
    expect(directives).toEqual({
      'default-src': "'none'",
      'style-src': `'sha256-${hash}'`,
      'img-src': 'data:',
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
  });

  test('the document carries the same policy (less frame-ancestors, which a meta policy cannot set)', () => {
    const html = render({}, 'pdf');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(meta).toBe(INVOICE_CSP.replace("; frame-ancestors 'none'", ''));
    // It comes before the style block, so it governs it.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
  });
});
