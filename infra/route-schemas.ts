import { RESPONSES, type ResponseSpec } from '../functions/http/response-schemas.js';
import { ROUTES, routeKey, type RouteDef } from './routes.js';

/**
 * The success response of each route, by route key, for routes whose `r(...)` entry in routes.ts
 * does not name one itself (a new route can pass `response` as the last argument of `r` instead).
 * test/unit/http/route-responses.test.ts lists the routes still without one.
 */
export const ROUTE_RESPONSES: Record<string, ResponseSpec> = {
  'GET /settings/invoices': RESPONSES.settings,
  'PUT /settings/invoices': RESPONSES.settings,
  'PUT /settings/invoices/logo': RESPONSES.settings,
  'POST /api-keys': RESPONSES.apiKeyCreated,
  'GET /api-keys': RESPONSES.apiKeyPage,

  'POST /invoices': RESPONSES.invoice,
  'GET /invoices': RESPONSES.invoicePage,
  'GET /invoices/{id}': RESPONSES.invoice,
  'PATCH /invoices/{id}': RESPONSES.invoice,
  'POST /invoices/{id}/finalize': RESPONSES.invoice,
  'POST /invoices/{id}/mark-paid': RESPONSES.invoice,
  'POST /invoices/{id}/void': RESPONSES.invoice,
  'POST /invoices/{id}/clone': RESPONSES.invoice,
  'POST /invoices/{id}/send': RESPONSES.invoice,
  'POST /invoices/{id}/insert-snippet': RESPONSES.invoice,
  'GET /invoices/{id}/pdf': RESPONSES.signedLink,
  'PUT /invoices/{id}/associations/{type}/{targetId}': RESPONSES.invoice,
  'DELETE /invoices/{id}/associations/{type}/{targetId}': RESPONSES.invoice,

  'POST /invoices/{id}/payments': RESPONSES.paymentCreated,
  'GET /invoices/{id}/payments': RESPONSES.paymentList,
  'POST /invoices/{id}/credit-notes': RESPONSES.creditNoteCreated,
  'GET /invoices/{id}/credit-notes': RESPONSES.creditNoteList,
  'GET /credit-notes/{id}': RESPONSES.creditNote,
  'GET /credit-notes/{id}/pdf': RESPONSES.signedLink,
  'GET /settings/payments': RESPONSES.paymentSettings,
  'PUT /settings/payments': RESPONSES.paymentSettings,
  'POST /webhooks/stripe': RESPONSES.webhookReceipt,
  'POST /payments/{id}/refund': RESPONSES.paymentCreated,
  'POST /payments/{id}/void': RESPONSES.paymentCreated,

  'POST /invoices/search': RESPONSES.searchPage,
  'POST /invoices/exports': RESPONSES.export,
  'GET /exports/{id}': RESPONSES.export,
  'GET /views': RESPONSES.viewPage,
  'POST /views': RESPONSES.view,
  'GET /views/{id}': RESPONSES.view,
  'PUT /views/{id}': RESPONSES.view,

  'POST /contacts': RESPONSES.contact,
  'GET /contacts': RESPONSES.contactPage,
  'GET /contacts/{id}': RESPONSES.contact,
  'PATCH /contacts/{id}': RESPONSES.contact,
  'GET /contacts/{id}/invoices': RESPONSES.invoicePage,
  'POST /companies': RESPONSES.company,
  'GET /companies': RESPONSES.companyPage,
  'GET /companies/{id}': RESPONSES.company,
  'PATCH /companies/{id}': RESPONSES.company,
  'GET /companies/{id}/invoices': RESPONSES.invoicePage,
  'POST /deals': RESPONSES.deal,
  'GET /deals': RESPONSES.dealPage,
  'GET /deals/{id}': RESPONSES.deal,
  'PATCH /deals/{id}': RESPONSES.deal,
  'GET /deals/{id}/invoices': RESPONSES.invoicePage,
  'POST /quotes': RESPONSES.quote,
  'GET /quotes': RESPONSES.quotePage,
  'GET /quotes/{id}': RESPONSES.quote,
  'PATCH /quotes/{id}': RESPONSES.quote,
  'GET /quotes/{id}/invoices': RESPONSES.invoicePage,
  'POST /products': RESPONSES.product,
  'GET /products': RESPONSES.productPage,
  'GET /products/{id}': RESPONSES.product,
  'PATCH /products/{id}': RESPONSES.product,

  'GET /invoices/{id}/history': RESPONSES.historyPage,
  'GET /audit/chain': RESPONSES.chainPage,
  'GET /audit/verify': RESPONSES.chainVerification,

  'POST /recurring-invoices': RESPONSES.recurringInvoice,
  'GET /recurring-invoices': RESPONSES.recurringInvoicePage,
  'GET /recurring-invoices/{id}': RESPONSES.recurringInvoice,
  'PATCH /recurring-invoices/{id}': RESPONSES.recurringInvoice,
  'POST /recurring-invoices/{id}/pause': RESPONSES.recurringInvoice,
  'POST /recurring-invoices/{id}/resume': RESPONSES.recurringInvoice,
  'GET /recurring-invoices/{id}/upcoming': RESPONSES.upcomingRuns,
  'GET /recurring-invoices/{id}/invoices': RESPONSES.invoicePage,

  'POST /webhook-endpoints': RESPONSES.webhookEndpointCreated,
  'GET /webhook-endpoints': RESPONSES.webhookEndpointPage,
  'GET /webhook-endpoints/{id}': RESPONSES.webhookEndpoint,
  'PATCH /webhook-endpoints/{id}': RESPONSES.webhookEndpoint,
  'POST /webhook-endpoints/{id}/rotate-secret': RESPONSES.webhookEndpointCreated,
  'POST /webhook-endpoints/{id}/test': RESPONSES.delivery,
  'GET /webhook-endpoints/{id}/deliveries': RESPONSES.deliveryPage,
  'POST /webhook-endpoints/{id}/deliveries/{deliveryId}/retry': RESPONSES.delivery,

  'GET /association-labels': RESPONSES.associationLabelPage,
  'POST /association-labels': RESPONSES.associationLabel,
  'GET /snippets': RESPONSES.snippetPage,
  'POST /snippets': RESPONSES.snippet,
  'GET /snippets/{id}': RESPONSES.snippet,
  'PATCH /snippets/{id}': RESPONSES.snippet,
  'POST /invoices/{id}/remind': RESPONSES.reminderSent,
  'GET /invoices/{id}/reminders': RESPONSES.reminderList,
};

/** Every route with its response schema: its entry's own, or this table's. */
export const ROUTES_WITH_RESPONSES: RouteDef[] = ROUTES.map((route) => {
  const response = route.response ?? ROUTE_RESPONSES[routeKey(route)];
  return response ? { ...route, response } : route;
});
