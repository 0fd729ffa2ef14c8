import { performance } from 'node:perf_hooks';

/** A figure with `digits` decimals, or '-' where there is none (a rate over zero time). */
export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
/** The seconds since `startedAt` (a `performance.now()`). */
export const seconds = (startedAt: number) => `${fmt((performance.now() - startedAt) / 1000)} s`;

/** Prints rows under their header, columns as wide as their widest cell, numbers right-aligned. */
export function printTable(head: string[], rows: string[][], opts: { firstColumnLeft?: boolean } = {}): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '  ' +
    cells.map((x, i) => (i === 0 && opts.firstColumnLeft ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/**
 * A bench's last lines: its total runtime, then either the correctness problems it found (and
 * false: the run exits 1) or the one line saying what held.
 */
export function verdict(problems: string[], held: string, startedAt: number): boolean {
  console.log(`\ntotal runtime ${seconds(startedAt)}`);
  if (problems.length) {
    console.log('CORRECTNESS FAILED:');
    for (const p of problems) console.log(`  ✗ ${p}`);
    return false;
  }
  console.log(held);
  return true;
}
