/**
 * Invoice numbers read `PREFIX-N`. Each prefix has its own counter; the next number handed out is
 * the counter's value, but never below the configured start number, so raising the start number
 * takes effect at once and lowering it below a number already issued is refused.
 */
export function formatInvoiceNumber(prefix: string, n: number): string {
  return `${prefix}-${n}`;
}

export function nextNumber(counterNext: number | null, startNumber: number): number {
  return Math.max(counterNext ?? startNumber, startNumber);
}
