import { blankDraft, type Invoice } from '../../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../../domain/settings/settings.js';

/** A small deterministic generator (mulberry32), so every run seeds the same invoices. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `count` varied invoices for one account: every status, past-due flags, numbers (and drafts
 * without one), dates over two years in no particular order of creation, three currencies, five
 * owners, twenty contacts, ten companies or none, PO numbers or none, and comments, a few of them
 * starting with `=`. `idPrefix` keeps two accounts' ids apart.
 */
export function variedInvoices(accountId: string, count: number, idPrefix: string, seed = 42): Invoice[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const day = (year: number) => `${year}-${pad(1 + Math.floor(rnd() * 12))}-${pad(1 + Math.floor(rnd() * 28))}`;
  const out: Invoice[] = [];
  for (let i = 0; i < count; i++) {
    const status = pick(['draft', 'open', 'open', 'paid', 'paid', 'voided'] as const);
    const createdAt = `${day(pick([2025, 2026]))}T${pad(Math.floor(rnd() * 24))}:${pad(Math.floor(rnd() * 60))}:${pad(Math.floor(rnd() * 60))}Z`;
    const invoiceDate = createdAt.slice(0, 10);
    const dueDate = day(2026);
    const currency = pick(['USD', 'USD', 'EUR', 'JPY']);
    const total = Math.floor(rnd() * 200_000);
    const paid = status === 'paid' ? total : status === 'open' && rnd() < 0.2 ? Math.floor(total / 2) : 0;
    const base = blankDraft({
      id: `inv_${idPrefix}${String(i).padStart(6, '0')}`,
      accountId,
      owner: `usr_${1 + Math.floor(rnd() * 5)}`,
      slug: `${idPrefix.toLowerCase()}${accountId}${i}`.replace(/[^a-z0-9]/g, ''),
      settings: DEFAULT_SETTINGS,
      today: invoiceDate,
      now: createdAt,
    });
    const finalizedAt = status === 'draft' ? null : `${invoiceDate}T12:00:00Z`;
    out.push({
      ...base,
      status,
      number: status === 'draft' && rnd() < 0.7 ? null : `INV-${1001 + i}`,
      pastDue: status === 'open' && rnd() < 0.3,
      currency,
      invoiceDate,
      dueDate,
      paymentTerms: 'custom',
      poNumber: rnd() < 0.4 ? null : `PO-${Math.floor(rnd() * 10_000)}`,
      contacts: [`con_${1 + Math.floor(rnd() * 20)}`, ...(rnd() < 0.2 ? [`con_${21 + Math.floor(rnd() * 5)}`] : [])],
      company: rnd() < 0.3 ? null : `com_${1 + Math.floor(rnd() * 10)}`,
      totals: {
        subtotal: total,
        discount: 0,
        tax: 0,
        total,
        amountPaid: paid,
        creditedAmount: 0,
        balanceDue: status === 'voided' ? 0 : total - paid,
      },
      comments:
        i % 97 === 0
          ? '=HYPERLINK("http://evil.example","click")'
          : rnd() < 0.1
            ? '<p>Urgent: pay this week</p>'
            : null,
      finalizedAt,
      paidAt: status === 'paid' ? `${dueDate}T09:30:00Z` : null,
      voidedAt: status === 'voided' ? `${dueDate}T10:00:00Z` : null,
      createdAt,
      updatedAt: createdAt,
    });
  }
  return out;
}
