/**
 * Currencies come from the ICU data that ships with Node (`Intl`): it knows every ISO 4217 code in
 * circulation and its minor units (USD 2, JPY 0, KWD 3), so no table is kept here.
 */
const supported = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && supported.has(code);
}

const digits = new Map<string, number>();

/** Number of minor-unit digits: 2 for USD (1999 = 19.99), 0 for JPY. Kept per currency: an Intl formatter is slow to make. */
export function minorUnits(currency: string): number {
  let d = digits.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digits.set(currency, d);
  }
  return d;
}
