import type { Language } from '../documents/i18n/catalogs.js';
import de from './i18n/de.json' with { type: 'json' };
import en from './i18n/en.json' with { type: 'json' };
import es from './i18n/es.json' with { type: 'json' };
import fr from './i18n/fr.json' with { type: 'json' };
import nl from './i18n/nl.json' with { type: 'json' };

/** The texts of the emails the service sends; English is the reference every catalog must match. */
export type MailCatalog = typeof en;

/** As the PDF's labels (domain/documents/i18n/catalogs.ts): the compiler refuses a language without a catalog. */
const CATALOGS = { en, nl, de, fr, es } satisfies Record<Language, MailCatalog>;

export function mailCatalogFor(language: string): MailCatalog {
  return CATALOGS[language as Language] ?? CATALOGS.en;
}

export const MAIL_CATALOGS: Readonly<Record<Language, MailCatalog>> = CATALOGS;
