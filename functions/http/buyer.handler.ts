import {
  buyerInvoicePage,
  buyerPdfLink,
  type BuyerRequest,
  type OnlinePayability,
} from '../../domain/documents/document-use-cases.js';
import { offersPay, payablePageCsp } from '../../domain/documents/invoice-template.js';
import { getPaymentSettings, isConnected } from '../../domain/payments/payment-settings.js';
import { checkoutOrigin, paymentSettings } from '../payments-wiring.js';
import { documents } from '../s3/document-wiring.js';
import { app } from '../wiring.js';
import { invoiceHtml, redirectTo } from './document-responses.js';
import { httpHandler } from './http-handler.js';
import type { ApiRequest } from './http-types.js';

// Public: no token. Buyers reach these routes on the service's host or on a connected domain.
const { config, deps } = app();
const buyerDeps = { ...deps, ...documents() };
const serviceHost = new URL(config.PUBLIC_BASE_URL).host;

const buyer = (req: ApiRequest): BuyerRequest => ({ slug: req.params.slug!, host: req.host, serviceHost });

// Pay is offered where the account has a processor connected; the form posts here and is sent on to
// the processor's hosted checkout, the one origin besides ours the page's form may reach.
const online = paymentSettings();
const payable: OnlinePayability = {
  payable: async (invoice) => isConnected(await getPaymentSettings(online, invoice.accountId)),
};
const pageCsp = payablePageCsp(checkoutOrigin(config));

export const handler = httpHandler({
  'GET /i/{slug}': (req) =>
    buyerInvoicePage({ ...buyerDeps, online: payable }, { ...buyer(req), checkout: req.query.checkout }).then((html) =>
      // A page without the Pay form keeps the policy that lets its forms post nowhere.
      offersPay(html) ? invoiceHtml(html, pageCsp) : invoiceHtml(html),
    ),
  'GET /i/{slug}/pdf': (req) => buyerPdfLink(buyerDeps, buyer(req)).then(redirectTo),
});
