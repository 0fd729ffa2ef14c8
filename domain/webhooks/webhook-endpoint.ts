import * as z from 'zod';
import { EVENT_TYPES } from '../events/invoice-events.js';

/** The event a test delivery carries: not published by the service, never subscribed to. */
export const PING_EVENT = 'ping';

/**
 * What an endpoint may subscribe to: every type the service publishes (read from the one event
 * list, so a new event is subscribable the day it is published), or `*` for all of them.
 */
export const subscribableEvents = (): readonly string[] => EVENT_TYPES;

const eventSelection = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(100)
  .superRefine((events, ctx) => {
    const known = new Set(subscribableEvents());
    events.forEach((e, i) => {
      if (e !== '*' && !known.has(e))
        ctx.addIssue({ code: 'custom', path: [i], message: `is not an event type (${[...known].join(', ')} or *)` });
    });
    if (events.includes('*') && events.length > 1)
      ctx.addIssue({ code: 'custom', message: '"*" subscribes to every event and stands alone' });
  })
  .transform((events) => [...new Set(events)]);

/** A URL as typed: its class (https, private addresses) is checked by the URL guard, not here. */
const url = z.string().trim().min(1).max(2048);

export const webhookEndpointCreateInput = z.strictObject({
  url,
  events: eventSelection,
  description: z.string().max(500).nullish(),
});
export type WebhookEndpointCreateInput = z.infer<typeof webhookEndpointCreateInput>;

export const webhookEndpointPatchInput = z.strictObject({
  url: url.optional(),
  events: eventSelection.optional(),
  description: z.string().max(500).nullish(),
  /** Re-enables an endpoint the service disabled after failing for days, or pauses one. */
  status: z.enum(['enabled', 'disabled']).optional(),
});
export type WebhookEndpointPatchInput = z.infer<typeof webhookEndpointPatchInput>;

/** A signing secret; a rotated-out one keeps signing (beside the new one) until `expiresAt`. */
export type EndpointSecret = { secret: string; createdAt: string; expiresAt: string | null };

export type WebhookEndpoint = {
  id: string;
  accountId: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  /** Newest first: the current secret, then rotated-out ones still in their overlap. */
  secrets: EndpointSecret[];
  /** Since when every delivery has failed (null: the last one succeeded); five days of it disables the endpoint. */
  failingSince: string | null;
  disabledReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** How long a rotated-out secret keeps verifying: consumers deploy the new one within it. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** An endpoint failing every delivery for this long is disabled (the contract's five days). */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 60 * 60 * 1000;

export const subscribes = (endpoint: WebhookEndpoint, eventType: string): boolean =>
  endpoint.status === 'enabled' && (endpoint.events.includes('*') || endpoint.events.includes(eventType));

/** The secrets a delivery made at `now` is signed with: the current one and any still in their overlap. */
export const signingSecrets = (endpoint: WebhookEndpoint, now: Date): string[] =>
  endpoint.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);
