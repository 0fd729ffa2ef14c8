import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium } from '../../functions/pdf/chromium-renderer.js';
import { parsePdf } from '../support/pdf-text.js';
import { startStreamStack, type StreamStack } from '../support/stream-stack.js';
import { until } from '../support/until.js';

/**
 * A buyer pays in a real browser (the @sparticuz/chromium the PDFs use): the buyer page's Pay form,
 * the emulator's hosted checkout page, back to the buyer page, which says the payment is being
 * processed until it lands and then shows the invoice paid; the PDF is rendered again with it.
 * Bank debits settle 3 s after checkout here, so the "being processed" page can be seen.
 */
const OUTPUT = resolve(import.meta.dirname, '../../test-output');
let s: StreamStack;
let browser: Browser;

beforeAll(async () => {
  s = await startStreamStack('buyer-pay', { paymentsSettleDelayMs: 3_000 });
  browser = await launchChromium();
  mkdirSync(OUTPUT, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function openInvoice(extra: Record<string, unknown> = {}) {
  const draft = (
    await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      lineItems: [
        {
          name: 'Design sprint with a rather long name',
          quantity: 2,
          unitPrice: 61_728,
          discount: { type: 'percent', value: 10 },
          taxRate: 21,
        },
        { name: 'Hosting', unitPrice: 4_999, discount: { type: 'amount', value: 500 }, taxRate: 9 },
      ],
      ...extra,
    })
  ).body;
  return (await s.api('POST', `/invoices/${draft.id}/finalize`)).body;
}

const text = async (page: Page) =>
  ((await page.evaluate('document.body.innerText')) as string).replace(/[\u00a0\u202f]/g, ' ');

async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

/** Pays on the hosted page with the chosen test method; resolves back on the buyer page. */
async function payWith(page: Page, method: string) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button.pay-button')]);
  expect(page.url().startsWith(`${s.stack.payments.endpoint}/checkout/cs_test_`)).toBe(true);
  await page.click(`input[value="${method}"]`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#pay')]);
}

test('card at 1280 px: Pay, the hosted page, back to "paid"; the PDF is rendered again with the payment', async () => {
  const inv = await openInvoice();
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const violations = await watchCsp(page);
  const res = await page.goto(`${s.stack.baseUrl}/i/${inv.slug}`, { waitUntil: 'load' });
  expect(res!.headers()['content-security-policy']).toContain(`form-action 'self' ${s.stack.payments.endpoint}`);
  expect(res!.headers()['content-security-policy']).not.toContain('script-src');
  expect(await page.$$('script')).toHaveLength(0);
  const balance = inv.totals.balanceDue as number;
  expect(await page.$eval('button.pay-button', (b) => b.textContent)).toBe(
    `Pay ${new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(balance / 100)}`,
  );
  await page.screenshot({ path: resolve(OUTPUT, 'buyer-pay-1280.png'), fullPage: true });

  await payWith(page, 'pm_card_visa');
  expect(page.url()).toBe(`${inv.url}?checkout=success`);
  await until('the page shows the invoice paid', async () => {
    await page.reload({ waitUntil: 'load' });
    return (await text(page)).includes('This invoice has been paid');
  });
  expect(await page.$('button.pay-button')).toBeNull();
  expect(violations).toEqual([]);
  await page.close();

  const ready = await until('the paid PDF', async () => {
    const i = (await s.api('GET', `/invoices/${inv.id}`)).body;
    return i.status === 'paid' && i.pdf.status === 'ready' && i;
  });
  const link = await s.api('GET', `/invoices/${ready.id}/pdf`);
  const pdf = (await parsePdf(new Uint8Array(await (await fetch(link.body.url)).arrayBuffer()))).text;
  expect(pdf).toMatch(/PAYMENTS/);
  expect(pdf).toMatch(/Balance due\s*\$0\.00/);
  expect(pdf).toMatch(/PAID/);
});

test('ACH at 390 px: the page says the payment is being processed, offers no second Pay, then shows it paid; nothing runs off the right edge', async () => {
  const inv = await openInvoice({ billing: { paymentMethods: ['ach'] } });
  const page = await browser.newPage();
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const violations = await watchCsp(page);
  await page.goto(`${s.stack.baseUrl}/i/${inv.slug}`, { waitUntil: 'load' });

  // The layout fits the phone: no horizontal scroll, and every figure of every line is inside the screen.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  const cells = (await page.evaluate(
    "[...document.querySelectorAll('table.items td.num:not(.empty)')].map((td) => { const r = td.getBoundingClientRect(); return { left: r.left, right: r.right, text: getComputedStyle(td, '::before').content + ' ' + td.innerText }; })",
  )) as { left: number; right: number; text: string }[];
  expect(cells.length).toBeGreaterThanOrEqual(8);
  for (const c of cells) {
    expect(c.left).toBeGreaterThanOrEqual(0);
    expect(c.right).toBeLessThanOrEqual(390);
  }
  // Each figure carries its label there (the header row is hidden on a phone).
  expect(cells.some((c) => c.text.startsWith('"Discount"') && c.text.includes('10%'))).toBe(true);
  expect(cells.some((c) => c.text.startsWith('"Tax"') && c.text.includes('21%'))).toBe(true);
  const button = (await page.evaluate(
    "(() => { const r = document.querySelector('button.pay-button').getBoundingClientRect(); return { left: r.left, right: r.right }; })()",
  )) as { left: number; right: number };
  expect(button.right).toBeLessThanOrEqual(390);
  await page.screenshot({ path: resolve(OUTPUT, 'buyer-pay-390.png'), fullPage: true });

  await payWith(page, 'pm_usBankAccount_success');
  expect(await text(page)).toContain('Your payment is being processed');
  expect(await page.$('button.pay-button')).toBeNull();
  await page.screenshot({ path: resolve(OUTPUT, 'buyer-pay-390-processing.png'), fullPage: true });
  await until('settled and shown paid', async () => {
    await page.reload({ waitUntil: 'load' });
    return (await text(page)).includes('This invoice has been paid');
  });
  expect(violations).toEqual([]);
  await page.close();
  expect((await s.api('GET', `/invoices/${inv.id}/payments`)).body.results).toMatchObject([
    { method: 'ach', source: 'online', status: 'succeeded' },
  ]);
});

test('a declined card in the browser: the hosted page says so and the invoice is unchanged', async () => {
  const inv = await openInvoice();
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${s.stack.baseUrl}/i/${inv.slug}`, { waitUntil: 'load' });
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button.pay-button')]);
  await page.click('input[value="pm_card_chargeDeclined"]');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#pay')]);
  expect(await text(page)).toContain('Your card was declined.');
  // Back without paying: the page says so, and Pay is still offered.
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#cancel')]);
  expect(page.url()).toBe(`${inv.url}?checkout=cancelled`);
  expect(await text(page)).toContain('The payment was cancelled');
  expect(await page.$('button.pay-button')).not.toBeNull();
  await page.close();
  expect((await s.api('GET', `/invoices/${inv.id}`)).body).toMatchObject({ status: 'open', totals: { amountPaid: 0 } });
});
