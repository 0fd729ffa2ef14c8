import { RESPONSES, type ResponseSpec } from '../functions/http/response-schemas.js';

/**
 * The success response of each route, by route key, for routes whose `r(...)` entry in routes.ts
 * does not name one itself (a new route can pass `response` as the last argument of `r` instead).
 * test/unit/http/route-responses.test.ts lists the routes still without one.
 */
export const ROUTE_RESPONSES: Record<string, ResponseSpec> = {
  'GET /settings/invoices': RESPONSES.settings,
  'PUT /settings/invoices': RESPONSES.settings,
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
};
