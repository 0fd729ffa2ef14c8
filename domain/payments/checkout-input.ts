import * as z from 'zod';

/**
 * `POST /i/{slug}/checkout`: a form post from the buyer page (fields arrive as text) or JSON.
 * Without `amount` the checkout is for the whole balance due.
 */
export const checkoutInput = z.strictObject({
  amount: z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,15}$/, 'must be a whole number of minor units')
        .transform(Number),
    ])
    .pipe(z.int().min(1).max(Number.MAX_SAFE_INTEGER))
    .optional(),
});
export type CheckoutInput = z.infer<typeof checkoutInput>;
