import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
// saxon-js ships no types; its transform entry point is all that is used.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import SaxonJS from 'saxon-js';

/**
 * The official e-invoice rules (../shared/einvoice: EN 16931 for UBL and CII from CEN TC 434,
 * Peppol BIS Billing 3.0), run with SaxonJS. A document conforms when the SVRL report has no
 * failed assert flagged fatal (EN 16931's rules carry `flag="fatal"`, Peppol's warnings `warning`).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
export const RULES_DIR = path.resolve(here, '../../../shared/einvoice');
export const rulesPresent = existsSync(path.join(RULES_DIR, 'EN16931-UBL-validation.sef.json'));

export type RuleSet = 'EN16931-UBL' | 'EN16931-CII' | 'PEPPOL-UBL';
const FILES: Record<RuleSet, string> = {
  'EN16931-UBL': 'EN16931-UBL-validation.sef.json',
  'EN16931-CII': 'EN16931-CII-validation.sef.json',
  'PEPPOL-UBL': 'PEPPOL-EN16931-UBL.sef.json',
};

export type FailedAssert = { id: string; flag: string; message: string; location: string };

export async function validate(xml: string, rules: RuleSet): Promise<FailedAssert[]> {
  const result = await SaxonJS.transform(
    { stylesheetFileName: path.join(RULES_DIR, FILES[rules]), sourceText: xml, destination: 'serialized' },
    'async',
  );
  const svrl: string = result.principalResult;
  const failed: FailedAssert[] = [];
  const re = /<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g;
  for (const m of svrl.matchAll(re)) {
    const attr = (n: string) => new RegExp(`${n}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(m[2]!)?.[1]?.trim() ?? '';
    failed.push({ id: attr('id'), flag: attr('flag') || 'fatal', message: text, location: attr('location') });
  }
  return failed;
}

/** The fatal failures only, as `id: message` lines, so a failing test names each broken rule. */
export async function fatalErrors(xml: string, rules: RuleSet): Promise<string[]> {
  return (await validate(xml, rules))
    .filter((f) => f.flag === 'fatal')
    .map((f) => `${f.id}: ${f.message} at ${f.location}`);
}
