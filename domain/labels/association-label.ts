import * as z from 'zod';
import type { Versioned } from '../crm/records.js';
import { recordId, text } from '../shared/schemas.js';

/**
 * An account-defined label on an invoice's contact or company association (HubSpot's
 * "association labels": "Billing contact", "Decision maker").
 */
export type AssociationLabel = Versioned & {
  kind: 'associationLabel';
  objectType: 'contact' | 'company';
  label: string;
};

/** An account may define at most this many; the limit holds in the database (a counter item). */
export const MAX_ASSOCIATION_LABELS = 50;
/** Labels one association may carry. */
export const MAX_LABELS_PER_ASSOCIATION = 10;

export const associationLabelInput = z.strictObject({
  objectType: z.enum(['contact', 'company']),
  label: text(100).min(1, 'must not be blank'),
});
export type AssociationLabelInput = z.infer<typeof associationLabelInput>;

/** `PUT /invoices/{id}/associations/{contacts|companies}/{targetId}` may name labels (none: no labels). */
export const associationInput = z.strictObject({
  labels: z
    .array(recordId('alb'))
    .max(MAX_LABELS_PER_ASSOCIATION)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'must not repeat a label' }),
});
export type AssociationInput = z.infer<typeof associationInput>;

/** As an invoice shows them, per associated record: the label's id and text (labels are never renamed). */
export type AppliedLabel = { id: string; label: string };
