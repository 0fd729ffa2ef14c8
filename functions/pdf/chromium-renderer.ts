import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import type { PdfRenderer } from '../../domain/ports.js';
import { RENDER_PAGES } from './render-pages.js';

// Printing needs no WebGL: skipping the graphics stack skips unpacking SwiftShader at cold start.
chromium.setGraphicsMode = false;

/**
 * Starts the Chromium that ships with @sparticuz/chromium, in Lambda and locally alike. Its fonts
 * (Open Sans, unpacked beside the binary; Latin with accents and €, which covers the five
 * languages) are the only ones it sees, so a PDF looks the same on this machine as in AWS.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    return await launch(await chromium.executablePath());
  } catch (e) {
    // @sparticuz/chromium takes any existing /tmp/chromium as unpacked: one cut short (a process
    // stopped during its first unpack, an init that timed out) would fail every launch from that
    // folder for good. After a failed launch the binary is unpacked again, once.
    const unpacked = join(tmpdir(), 'chromium');
    if (!existsSync(unpacked)) throw e;
    rmSync(unpacked, { force: true });
    return launch(await chromium.executablePath());
  }
}

async function launch(executablePath: string): Promise<Browser> {
  const fonts = join(tmpdir(), 'fonts');
  const env = existsSync(join(fonts, 'fonts.conf')) ? { ...process.env, FONTCONFIG_PATH: fonts } : process.env;
  return puppeteer.launch({
    executablePath,
    args: await puppeteer.defaultArgs({ args: chromium.args, headless: 'shell' }),
    headless: 'shell',
    defaultViewport: { width: 1240, height: 1754, deviceScaleFactor: 1 },
    env: env as Record<string, string>,
  });
}

const RENDER_TIMEOUT_MS = 30_000;

/** Pages kept open between renders: as many as renders run at once in one renderer instance. */
const IDLE_PAGES = RENDER_PAGES;

/** Paper sizes in inches, as Chromium's print takes them (the same as puppeteer's formats). */
const PAPER = { A4: { paperWidth: 8.27, paperHeight: 11.7 }, Letter: { paperWidth: 8.5, paperHeight: 11 } };

/**
 * HTML to PDF in headless Chromium. One browser serves every render of a warm process (launching
 * costs seconds). Opening and closing a page cost more than printing it (bench/pdf.ts), so pages
 * are kept open and reused: each render replaces the page's whole document with its own
 * (`setContent`), in a page with JavaScript off, no network (the templates inline everything) and
 * nothing stored, so nothing of one invoice can be left in the next one's PDF
 * (test/integration/pdf/chromium-renderer.test.ts renders A then B and looks). A page whose render
 * failed is closed, never reused. A browser that crashed or was closed is launched again on the
 * next render, with new pages.
 */
export class ChromiumPdfRenderer implements PdfRenderer {
  private browser: Promise<Browser> | undefined;
  private readonly idle: Page[] = [];
  /** Each open page's own DevTools session, for printing (see printToPdf). */
  private readonly sessions = new WeakMap<Page, CDPSession>();

  constructor(private readonly launch: () => Promise<Browser> = launchChromium) {}

  private async connectedBrowser(): Promise<Browser> {
    const current = this.browser;
    if (current) {
      const browser = await current.catch(() => undefined);
      if (browser?.connected) return browser;
      if (this.browser === current) this.browser = undefined;
    }
    const launching = this.launch().then((browser) => {
      browser.once('disconnected', () => {
        if (this.browser === launching) this.browser = undefined;
      });
      return browser;
    });
    this.browser = launching;
    // A failed launch is not kept: the next render tries again.
    launching.catch(() => {
      if (this.browser === launching) this.browser = undefined;
    });
    return launching;
  }

  async render(html: string, options: { format: 'A4' | 'Letter' }): Promise<Uint8Array> {
    const browser = await this.connectedBrowser();
    // A browser that dies mid-render (out of memory, killed) does not fail every call in flight:
    // some wait out their 30 s timeout, long enough for a stream batch to time out as a whole.
    // Failing at once lets the record be retried on a new browser while the invocation has time.
    let onDisconnect: () => void = () => undefined;
    const disconnected = new Promise<never>((_, reject) => {
      onDisconnect = () => reject(new Error('Chromium disconnected during the render'));
      browser.once('disconnected', onDisconnect);
      if (!browser.connected) onDisconnect();
    });
    try {
      return await Promise.race([this.print(browser, html, options), disconnected]);
    } finally {
      browser.off('disconnected', onDisconnect);
    }
  }

  /**
   * Starts the browser (unpacking the binary on a fresh /tmp) without waiting for it, so a cold
   * start launches Chromium while the rest of the function is still being imported and its first
   * batch reads DynamoDB. A failed launch is dropped here and retried by the first render.
   */
  warm(): void {
    this.connectedBrowser().catch(() => undefined);
  }

  /** An open page of this browser: an idle one, or a new one set up for printing. */
  private async acquire(browser: Browser): Promise<Page> {
    for (let page = this.idle.pop(); page; page = this.idle.pop()) {
      if (page.browser() === browser && !page.isClosed()) return page;
    }
    const page = await browser.newPage();
    // The document has no script and its CSP forbids any; with JavaScript off nothing can run
    // even if a bug let some through.
    await page.setJavaScriptEnabled(false);
    this.sessions.set(page, await page.createCDPSession());
    return page;
  }

  private async print(browser: Browser, html: string, options: { format: 'A4' | 'Letter' }): Promise<Uint8Array> {
    const page = await this.acquire(browser);
    let reusable = false;
    try {
      // `load`, so an inlined picture (a data URL) is decoded before printing.
      await page.setContent(html, { waitUntil: 'load', timeout: RENDER_TIMEOUT_MS });
      const pdf = await this.printToPdf(page, options.format);
      reusable = true;
      return pdf;
    } finally {
      if (reusable && browser.connected && this.idle.length < IDLE_PAGES) this.idle.push(page);
      else await page.close().catch(() => undefined);
    }
  }

  /**
   * Chromium's print with the options page.pdf() sends (no margins of its own, so the template's
   * @page margins hold; backgrounds; a tagged PDF), minus two of its costs, together a third of a
   * print here (bench/pdf.ts): its wait for web fonts, a round trip the template never needs (it
   * has no @font-face: the fonts are the system's), and its stream transfer, a round trip per
   * chunk, where an invoice of tens of KB fits in one reply.
   */
  private async printToPdf(page: Page, format: 'A4' | 'Letter'): Promise<Uint8Array> {
    const { data } = await this.sessions.get(page)!.send(
      'Page.printToPDF',
      {
        ...PAPER[format],
        printBackground: true,
        marginTop: 0,
        marginBottom: 0,
        marginLeft: 0,
        marginRight: 0,
        generateTaggedPDF: true,
        transferMode: 'ReturnAsBase64',
      },
      { timeout: RENDER_TIMEOUT_MS },
    );
    return Buffer.from(data, 'base64');
  }

  /** Closes the browser (tests, benchmarks); a later render launches a new one. */
  async close(): Promise<void> {
    const current = this.browser;
    this.browser = undefined;
    this.idle.length = 0;
    const browser = await current?.catch(() => undefined);
    await browser?.close().catch(() => undefined);
  }
}
