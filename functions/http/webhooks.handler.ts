import * as z from 'zod';
import type { Delivery } from '../../domain/webhooks/delivery.js';
import {
  webhookEndpointCreateInput,
  webhookEndpointPatchInput,
  type WebhookEndpoint,
} from '../../domain/webhooks/webhook-endpoint.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  retryDelivery,
  rotateSecret,
  sendTestPing,
  updateEndpoint,
} from '../../domain/webhooks/webhook-use-cases.js';
import { notFound } from '../../domain/errors.js';
import { emptyInput } from '../../domain/invoices/invoice-input.js';
import { webhooks } from '../webhooks/webhook-wiring.js';
import { app, systemClock, ulidIds } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import type { ApiRequest } from './http-types.js';
import { presentPage } from './presenters.js';
import { parseLimit, validate } from './request.js';

const deps = { ...webhooks(), clock: systemClock, ids: ulidIds };

/** The contract's endpoint: never its secrets (only `secret` in the create and rotate answers), nor the tenant. */
export function presentEndpoint(e: WebhookEndpoint) {
  const { accountId: _a, secrets, ...rest } = e;
  const rotated = secrets.length > 1 || (secrets[0] !== undefined && secrets[0].createdAt !== e.createdAt);
  return { ...rest, secretRotatedAt: rotated ? secrets[0]!.createdAt : null };
}

/** A delivery as the log shows it: its attempts, not its body (the event's object can be read from the API). */
export function presentDelivery(d: Delivery) {
  const { accountId: _a, payload: _p, ...rest } = d;
  return rest;
}

const noBody = (req: ApiRequest) => validate(emptyInput, req.body);
const deliveryParams = z.object({ deliveryId: z.string().regex(/^dlv_[0-9A-Z]{26}$/) });

export const handler = httpHandler(
  {
    'POST /webhook-endpoints': async (req) => {
      const { endpoint, secret } = await createEndpoint(
        deps,
        req.actor,
        validate(webhookEndpointCreateInput, req.body),
      );
      return { status: 201, body: { ...presentEndpoint(endpoint), secret } };
    },
    'GET /webhook-endpoints': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await listEndpoints(deps, req.actor, limit, after), presentEndpoint) };
    },
    'GET /webhook-endpoints/{id}': async (req) => ({
      status: 200,
      body: presentEndpoint(await getEndpoint(deps, req.actor, req.params.id!)),
    }),
    'PATCH /webhook-endpoints/{id}': async (req) => ({
      status: 200,
      body: presentEndpoint(
        await updateEndpoint(
          deps,
          req.actor,
          req.params.id!,
          validate(webhookEndpointPatchInput, req.body),
          req.ifMatch,
        ),
      ),
    }),
    'DELETE /webhook-endpoints/{id}': async (req) => {
      noBody(req);
      await deleteEndpoint(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 204 };
    },
    'POST /webhook-endpoints/{id}/rotate-secret': async (req) => {
      noBody(req);
      const { endpoint, secret } = await rotateSecret(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 200, body: { ...presentEndpoint(endpoint), secret } };
    },
    'POST /webhook-endpoints/{id}/test': async (req) => {
      noBody(req);
      return { status: 201, body: presentDelivery(await sendTestPing(deps, req.actor, req.params.id!)) };
    },
    'GET /webhook-endpoints/{id}/deliveries': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return {
        status: 200,
        body: presentPage(await listDeliveries(deps, req.actor, req.params.id!, limit, after), presentDelivery),
      };
    },
    'POST /webhook-endpoints/{id}/deliveries/{deliveryId}/retry': async (req) => {
      noBody(req);
      const params = deliveryParams.safeParse(req.params);
      // Not a delivery id this service hands out: it names nothing.
      if (!params.success) throw notFound('Delivery', String(req.params.deliveryId).slice(0, 64));
      return {
        status: 200,
        body: presentDelivery(await retryDelivery(deps, req.actor, req.params.id!, params.data.deliveryId)),
      };
    },
  },
  { idempotency: () => app().idempotency },
);
