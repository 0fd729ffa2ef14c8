import { isValidBIC, isValidIBAN, electronicFormatIBAN } from 'ibantools';
import { checkVAT, countries } from 'jsvat';
import * as z from 'zod';
import { text } from './schemas.js';

/**
 * Identifiers of the parties to an e-invoice, checked with maintained libraries: `jsvat` for the
 * national VAT number patterns of the EU states (and the UK, Norway, Switzerland …), `ibantools`
 * for the IBAN checksum (ISO 13616 mod 97) and BIC format.
 */

/** Greece's VAT prefix is EL (not its ISO code GR), as in VIES and EN 16931's BR-CO-09. */
const VAT_PREFIX = /^(?:[A-Z]{2}|EL)/;

/** A VAT id: the country prefix and the number, in the country's own pattern where jsvat knows it. */
export function vatIdProblem(raw: string): string | null {
  const id = raw.replace(/[\s.-]/g, '').toUpperCase();
  if (!VAT_PREFIX.test(id)) return 'must start with the country prefix (BR-CO-09), such as DE123456789';
  const result = checkVAT(id, countries);
  if (result.isSupportedCountry)
    return result.isValidFormat ? null : `does not fit the VAT id pattern of ${result.country?.name}`;
  // Countries jsvat has no pattern for: the general shape of a VAT identifier.
  return /^[A-Z]{2}[A-Z0-9+*]{2,13}$/.test(id)
    ? null
    : 'is not a VAT identifier (country prefix and 2 to 13 letters or digits)';
}

export const vatId = text(20)
  .transform((v) => v.replace(/[\s.-]/g, '').toUpperCase())
  .superRefine((v, ctx) => {
    const problem = vatIdProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The Electronic Address Scheme codes (CEF EAS list, the one BR-CL-25 checks), e.g. 0088 (GLN),
 * 0106 (Dutch KvK), 0208 (Belgian enterprise number), 9930 (German VAT), EM (e-mail).
 */
export const EAS_CODES = new Set(
  (
    '0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 0188 0190 ' +
    '0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 ' +
    '0217 0218 0219 0220 0221 0225 0230 0235 0240 0244 0242 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 ' +
    '9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 ' +
    '9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM'
  ).split(' '),
);

export const electronicAddress = z.strictObject({
  scheme: z
    .string()
    .refine((s) => EAS_CODES.has(s), { message: 'must be a code of the CEF EAS list, such as 0106 or 0208' }),
  id: text(100).min(1, 'is required'),
});
export type ElectronicAddress = z.infer<typeof electronicAddress>;

/** A legal registration id (BT-30 / BT-47), with the ISO 6523 ICD scheme where one applies. */
export const legalRegistrationId = z.strictObject({
  id: text(100).min(1, 'is required'),
  scheme: z
    .string()
    .regex(/^\d{4}$/, 'must be a four-digit ISO 6523 ICD code, such as 0106')
    .nullish(),
});
export type LegalRegistrationId = z.infer<typeof legalRegistrationId>;

export const bankAccount = z.strictObject({
  iban: z
    .string()
    .transform((v) => electronicFormatIBAN(v) ?? v)
    .refine((v) => isValidIBAN(v), { message: 'is not a valid IBAN (country, length or checksum)' }),
  bic: z
    .string()
    .transform((v) => v.replace(/\s/g, '').toUpperCase())
    .refine((v) => isValidBIC(v), { message: 'is not a valid BIC' })
    .nullish(),
  name: text(200).nullish(),
});
export type BankAccount = z.infer<typeof bankAccount>;
