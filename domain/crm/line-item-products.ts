import type { Actor } from '../auth/actor.js';
import { validationError, type FieldError } from '../errors.js';
import { lineAsInput, priceLineItems, toLineItem, type LineItem } from '../invoices/invoice.js';
import { lineItemInput, type LineItemInput, type LineItemRequest } from '../invoices/invoice-input.js';
import type { Totals } from '../money/line-items.js';
import type { IdGenerator, ProductStore } from '../ports.js';

/**
 * Turns requested lines into complete ones. A line naming a product takes the product's name,
 * description, unit price and tax rate as they are now, unless the line sets them itself (an
 * explicit null included), so what is stored is a copy: changing or deleting the product later
 * reaches no invoice, deal or quote. The product is only read when something must be copied from
 * it, so a draft that still names a since-deleted product stays editable.
 *
 * The result is checked against the complete line schema (a copied price must still exceed an
 * amount discount, and so on); errors name `{path}.{index}.{field}`.
 */
export async function resolveLineItems(
  products: ProductStore,
  actor: Actor,
  lines: LineItemRequest[],
  path = 'lineItems',
): Promise<LineItemInput[]> {
  const errors: FieldError[] = [];
  const needs = (l: LineItemRequest) =>
    l.productId && [l.name, l.unitPrice, l.description, l.taxRate].some((v) => v === undefined);
  const wanted = [...new Set(lines.filter(needs).map((l) => l.productId!))];
  const found = new Map(
    (await Promise.all(wanted.map((id) => products.get(actor.accountId, id))))
      .filter((p) => p !== null)
      .map((p) => [p.id, p]),
  );
  const resolved: LineItemInput[] = [];
  lines.forEach((l, i) => {
    let complete: unknown = l;
    if (needs(l)) {
      const product = found.get(l.productId!);
      if (!product) {
        errors.push({ path: `${path}.${i}.productId`, message: `no product ${l.productId} in this account` });
        return;
      }
      complete = {
        ...l,
        name: l.name ?? product.name,
        unitPrice: l.unitPrice ?? product.unitPrice,
        description: l.description !== undefined ? l.description : product.description,
        taxRate: l.taxRate !== undefined ? l.taxRate : product.taxRate,
      };
    }
    const checked = lineItemInput.safeParse(complete);
    if (checked.success) resolved.push(checked.data);
    else
      for (const issue of checked.error.issues)
        errors.push({ path: [path, i, ...issue.path.map(String)].join('.'), message: issue.message });
  });
  if (errors.length) throw validationError('The line items are not valid', errors);
  return resolved;
}

/** Lines with their amounts and the totals, by the same money rules as an invoice's. */
export function priceLines(lines: LineItemInput[], ids: IdGenerator): { lineItems: LineItem[]; totals: Totals } {
  return priceLineItems(lines.map((l) => toLineItem(l, ids)));
}

/** Stored lines back as complete input, every field explicit, so nothing is re-read from a product. */
export function asLineInputs(lines: LineItem[]): LineItemRequest[] {
  return lines.map(lineAsInput);
}
