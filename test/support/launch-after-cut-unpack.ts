/**
 * Run in a process of its own with a TMPDIR of its own (test/integration/pdf/chromium-renderer.test.ts):
 * leaves what a process stopped during Chromium's first unpack leaves, the start of a binary, then
 * launches and prints a page. Prints the PDF's first bytes.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../../functions/pdf/chromium-renderer.js';

writeFileSync(join(tmpdir(), 'chromium'), Buffer.alloc(4096, 0x7f), { mode: 0o755 });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.setContent('<p>Whole again</p>');
  const pdf = await page.pdf();
  console.log(Buffer.from(pdf.subarray(0, 5)).toString('latin1'));
} finally {
  await browser.close();
}
