import { describe, expect, test } from 'vitest';
import { LANGUAGES } from '../../../../domain/shared/schemas.js';
import { MAIL_CATALOGS } from '../../../../domain/mail/mail-catalogs.js';
import { invoiceEmail } from '../../../../domain/mail/invoice-emails.js';
import { blankDraft } from '../../../../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';

/** Every leaf of a catalog, as dotted path → text. */
function leaves(o: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof o === 'string') out.set(path, o);
  else
    for (const [k, v] of Object.entries(o as object))
      for (const e of leaves(v, path ? `${path}.${k}` : k)) out.set(...e);
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the email catalogs', () => {
  const en = leaves(MAIL_CATALOGS.en);

  test.each(LANGUAGES)('%s has every key English has, no other, with the same placeholders', (language) => {
    const catalog = leaves(MAIL_CATALOGS[language]);
    expect([...catalog.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, text] of catalog) {
      expect(text.trim(), `${language} ${key}`).not.toBe('');
      expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(en.get(key)!));
    }
  });

  test.each(LANGUAGES.filter((l) => l !== 'en'))('%s is translated, not English', (language) => {
    const catalog = leaves(MAIL_CATALOGS[language]);
    const same = [...catalog].filter(([k, v]) => v === en.get(k) && !/^\{\w+\}$/.test(v));
    expect(same).toEqual([]);
  });
});

describe('invoiceEmail', () => {
  const invoice = {
    ...blankDraft({
      id: 'inv_1',
      accountId: 'acc_1',
      owner: 'usr_1',
      slug: 'abc',
      settings: { ...DEFAULT_SETTINGS, defaultLanguage: 'fr', defaultLocale: 'fr-FR', currency: 'EUR' },
      today: '2026-03-01',
      now: '2026-03-01T00:00:00Z',
    }),
    number: 'INV-1001',
    status: 'open' as const,
    dueDate: '2026-03-31',
  };
  invoice.totals = { ...invoice.totals, total: 123_456, balanceDue: 123_456 };
  const contact = { firstName: 'Zoé', lastName: '<b>Ross</b>', email: 'z@example.com' };

  test('fills the texts in the invoice language and locale, escaping user text in HTML', () => {
    const m = invoiceEmail({ kind: 'reminder', today: '2026-03-01' }, invoice, contact, 'https://pay.example');
    expect(m.to).toBe('z@example.com');
    expect(m.subject).toBe('Rappel : la facture INV-1001 arrive à échéance le 31 mars 2026');
    expect(m.text).toMatch(/Le montant dû est de 1\s234,56\s€\./);
    expect(m.text).toContain('https://pay.example/i/abc/pdf');
    expect(m.html).toContain('Zoé &#60;b&#62;Ross&#60;/b&#62;');
    expect(m.html).not.toContain('<b>Ross');
    expect(m.html).toContain('lang="fr"');
  });

  test('the reminder text follows the due date: before, on and after it', () => {
    const subject = (today: string) =>
      invoiceEmail({ kind: 'reminder', today }, { ...invoice, language: 'en' }, contact, 'https://x').subject;
    expect(subject('2026-03-28')).toBe('Reminder: invoice INV-1001 is due on 31 mars 2026');
    expect(subject('2026-03-31')).toBe('Reminder: invoice INV-1001 is due today');
    expect(subject('2026-04-07')).toBe('Reminder: invoice INV-1001 is past due');
  });
});
