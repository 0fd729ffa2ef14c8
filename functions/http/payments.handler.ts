import { DomainError } from '../../domain/errors.js';
import { checkoutInput } from '../../domain/payments/checkout-input.js';
import {
  applyProcessorEvent,
  refundPayment,
  startCheckout,
  voidPayment,
} from '../../domain/payments/online-payments.js';
import { refundInput, type Payment } from '../../domain/payments/payment.js';
import {
  getPaymentSettings,
  paymentSettingsInput,
  presentPaymentSettings,
  updatePaymentSettings,
} from '../../domain/payments/payment-settings.js';
import { ProcessorRefused, UnverifiedEvent } from '../../domain/payments/processor.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { emptyInput } from '../../domain/invoices/invoice-input.js';
import { payments } from '../payments-wiring.js';
import { app } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import type { ApiRequest, Operation } from './http-types.js';
import { presentPayment } from './ledger-routes.js';
import { presentInvoice } from './presenters.js';
import { validate } from './request.js';

// Public routes (checkout, webhook) and the account's own (settings, refunds, voids) in one function:
// the only one that holds the processor's keys.
const deps = payments();
const { config } = app();
const serviceHost = new URL(config.PUBLIC_BASE_URL).host;

/** The processor's refusals are the request's fault (409); its outages are ours to report (503). */
const processorErrors =
  (op: Operation): Operation =>
  async (req) => {
    try {
      return await op(req);
    } catch (e) {
      if (e instanceof ProcessorRefused)
        throw new DomainError('conflict', `The payment processor refused: ${e.message}`);
      if (e instanceof Error && e.name.startsWith('Stripe') && !(e instanceof DomainError))
        throw new DomainError('unavailable', 'The payment processor is unavailable; retry shortly');
      throw e;
    }
  };

const withInvoice = (r: { payment: Payment; invoice: Invoice | null }) => ({
  status: 200,
  body: {
    ...presentPayment(r.payment),
    invoice: r.invoice ? presentInvoice(r.invoice, config.PUBLIC_BASE_URL) : null,
  },
});

export const handler = httpHandler(
  {
    'GET /settings/payments': async (req) => ({
      status: 200,
      body: presentPaymentSettings(await getPaymentSettings(deps, req.actor.accountId)),
    }),
    'PUT /settings/payments': async (req) => ({
      status: 200,
      body: presentPaymentSettings(
        await updatePaymentSettings(deps, req.actor, validate(paymentSettingsInput, req.body), req.ifMatch),
      ),
    }),
    'POST /i/{slug}/checkout': processorErrors(async (req: ApiRequest) => {
      const input = validate(checkoutInput, req.body);
      const { url } = await startCheckout(
        deps,
        { slug: req.params.slug!, host: req.host, serviceHost },
        input,
        req.requestId,
      );
      return { status: 303, headers: { location: url, 'cache-control': 'no-store' } };
    }),
    'POST /webhooks/stripe': async (req) => {
      let event;
      try {
        event = await deps.processor.verifyEvent(req.rawBody, req.headers['stripe-signature']);
      } catch (e) {
        if (e instanceof UnverifiedEvent) throw new DomainError('malformed', `The event is not verified: ${e.message}`);
        throw e;
      }
      const outcome = await applyProcessorEvent(deps, event);
      return { status: 200, body: { received: true, outcome } };
    },
    'POST /payments/{id}/refund': processorErrors(async (req) =>
      withInvoice(await refundPayment(deps, req.actor, req.params.id!, validate(refundInput, req.body))),
    ),
    'POST /payments/{id}/void': async (req) => {
      validate(emptyInput, req.body);
      return withInvoice(await voidPayment(deps, req.actor, req.params.id!));
    },
  },
  { idempotency: () => app().idempotency },
);
