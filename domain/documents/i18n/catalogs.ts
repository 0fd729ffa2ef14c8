import type { LANGUAGES } from '../../shared/schemas.js';
import de from './de.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };
import nl from './nl.json' with { type: 'json' };

/** The labels of the buyer page, preview and PDF; English is the reference every catalog must match. */
export type Catalog = typeof en;
export type Language = (typeof LANGUAGES)[number];

/**
 * One catalog per language the contract accepts. `satisfies` makes the compiler refuse a language
 * in LANGUAGES without a catalog here, and a catalog that lacks a label English has.
 */
const CATALOGS = { en, nl, de, fr, es } satisfies Record<Language, Catalog>;

export function catalogFor(language: Language): Catalog {
  return CATALOGS[language] ?? CATALOGS.en;
}

/** Fills `{name}` placeholders; the values are inserted as they are, so escape them first if they are user text. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export const CATALOG_LANGUAGES = Object.keys(CATALOGS) as Language[];
