import { buyerInvoicePage, buyerPdfLink, type BuyerRequest } from '../../domain/documents/document-use-cases.js';
import { app } from '../wiring.js';
import { invoiceHtml, redirectTo } from './document-responses.js';
import { httpHandler } from './http-handler.js';
import type { ApiRequest } from './http-types.js';

// Public: no token. Buyers reach these routes on the service's host or on a connected domain.
const { config, deps, pdfRecords, documents } = app();
const buyerDeps = { ...deps, pdfRecords, documents };
const serviceHost = new URL(config.PUBLIC_BASE_URL).host;

const buyer = (req: ApiRequest): BuyerRequest => ({ slug: req.params.slug!, host: req.host, serviceHost });

export const handler = httpHandler({
  'GET /i/{slug}': (req) => buyerInvoicePage(buyerDeps, buyer(req)).then(invoiceHtml),
  'GET /i/{slug}/pdf': (req) => buyerPdfLink(buyerDeps, buyer(req)).then(redirectTo),
});
