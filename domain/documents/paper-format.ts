/**
 * Where US Letter is the paper in use: CLDR's supplemental `paperSize` data lists these
 * territories for "US-Letter"; the rest of the world uses A4.
 */
const LETTER_REGIONS = new Set(['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'CR', 'GT', 'NI', 'PA', 'PR', 'SV', 'VE', 'BZ']);

/** A4 or Letter by the locale's region; a locale without one takes its likely region (`en` → US, `es` → ES). */
export function paperFormat(locale: string): 'A4' | 'Letter' {
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).maximize().region;
  } catch {
    return 'A4';
  }
  return region && LETTER_REGIONS.has(region) ? 'Letter' : 'A4';
}
