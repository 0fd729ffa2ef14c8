import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * The Chromium browsers this process launched (puppeteer spawns the binary itself, so the browser
 * is our direct child), found in /proc: a test can crash the one a handler module keeps privately,
 * the way the OOM killer would, without reaching into the module.
 */
export function childBrowserPids(parentPid = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
      const [, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== parentPid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('--remote-debugging-port=')) pids.push(Number(entry));
    } catch {
      /* the process ended while we looked */
    }
  }
  return pids;
}

/**
 * A second DevTools connection to a running browser, to watch what it does (pages opening). The
 * browser writes its port to DevToolsActivePort in its profile folder once it listens.
 */
export async function observeBrowser(pid: number): Promise<Browser> {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const profile = args.find((a) => a.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length);
  if (!profile) throw new Error(`browser ${pid} has no --user-data-dir`);
  for (let tries = 0; ; tries++) {
    try {
      const [port, path] = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').trim().split('\n');
      return await puppeteer.connect({ browserWSEndpoint: `ws://127.0.0.1:${port}${path}`, defaultViewport: null });
    } catch (e) {
      if (tries > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
