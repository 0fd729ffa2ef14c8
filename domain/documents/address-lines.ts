import type AddressFormatter from '@fragaria/address-formatter';
import type { Address } from '../shared/schemas.js';

let addressFormatter: typeof AddressFormatter | undefined;

/**
 * The address templates (about 240 KB minified) load on first use, like the rich-text sanitizer:
 * each use case that renders a document awaits this (or loadInvoiceTemplate()) before it does.
 */
export async function loadAddressFormats(): Promise<void> {
  addressFormatter ??= (await import('@fragaria/address-formatter')).default;
}

/**
 * An address as its country writes it (the order of postcode, city and region, abbreviations such
 * as "ON" for Ontario), from OpenCage's address-formatting templates via @fragaria/address-formatter.
 * The country line is the country's name in the invoice's language.
 */
export function addressLines(address: Address, language: string): string[] {
  const country =
    new Intl.DisplayNames([language], { type: 'region', fallback: 'code' }).of(address.country) ?? address.country;
  if (!addressFormatter) throw new Error('an address formatted before loadAddressFormats() resolved');
  const lines = addressFormatter.format(
    {
      road: address.line1,
      city: address.city,
      ...(address.region ? { state: address.region } : {}),
      ...(address.postalCode ? { postcode: address.postalCode } : {}),
      countryCode: address.country,
      country,
    },
    { output: 'array', countryCode: address.country },
  );
  // The templates know one street line; a second one (suite, floor) goes right under the first,
  // as in every postal convention we print.
  if (address.line2) {
    const at = lines.findIndex((l) => l.includes(address.line1));
    lines.splice(at === -1 ? 1 : at + 1, 0, address.line2);
  }
  return lines;
}
