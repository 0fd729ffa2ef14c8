import type * as z from 'zod';
import { apiKeyInput } from '../domain/auth/api-keys.js';
import { companyCreateInput, companyInput, contactInput } from '../domain/crm/records.js';
import {
  dealCreateInput,
  dealInput,
  productCreateInput,
  productInput,
  quoteCreateInput,
  quoteInput,
} from '../domain/crm/sales-records.js';
import { creditNoteInput } from '../domain/credit-notes/credit-note.js';
import { exportInput } from '../domain/exports/invoice-exports.js';
import { invoiceCreateRequest, invoiceEditRequest, markPaidInput } from '../domain/invoices/invoice-input.js';
import { associationInput, associationLabelInput } from '../domain/labels/association-label.js';
import { checkoutInput } from '../domain/payments/checkout-input.js';
import { paymentInput, refundInput } from '../domain/payments/payment.js';
import { paymentSettingsInput } from '../domain/payments/payment-settings.js';
import { recurringCreateRequest, recurringPatchRequest } from '../domain/recurring/recurring-invoice.js';
import { searchInput } from '../domain/search/search-input.js';
import { viewInput } from '../domain/search/views.js';
import { settingsInput } from '../domain/settings/settings-input.js';
import { insertSnippetInput, snippetInput, snippetPatch } from '../domain/snippets/snippet.js';
import { webhookEndpointCreateInput, webhookEndpointPatchInput } from '../domain/webhooks/webhook-endpoint.js';
import { RESPONSES, type ResponseSpec } from '../functions/http/response-schemas.js';
import { ROUTES, routeKey, type RouteDef } from './routes.js';

/** A route with the schemas of its JSON request body and of its success response, where it has them. */
export type RouteWithSchemas = RouteDef & {
  /** The JSON (or form) body the route takes; the handler validates it with the same schema. */
  body?: z.ZodType;
  /** The JSON answered with the route's status; none for 204s, HTML and redirects. */
  response?: ResponseSpec;
};

/**
 * The request body of each route that takes one, by route key: the schema its operation validates
 * with, for the OpenAPI request bodies and the route-enumerating suites (test/integration/fuzz.test.ts
 * sends bodies this schema refuses and expects a 400 naming the field, and bodies it accepts).
 */
export const ROUTE_BODIES: Record<string, z.ZodType> = {
  'PUT /settings/invoices': settingsInput,
  'POST /association-labels': associationLabelInput,
  'POST /snippets': snippetInput,
  'PATCH /snippets/{id}': snippetPatch,
  'POST /api-keys': apiKeyInput,
  'POST /invoices': invoiceCreateRequest,
  'PATCH /invoices/{id}': invoiceEditRequest,
  'POST /invoices/{id}/mark-paid': markPaidInput,
  'PUT /invoices/{id}/associations/{type}/{targetId}': associationInput.partial(),
  'POST /invoices/{id}/insert-snippet': insertSnippetInput,
  'POST /invoices/{id}/payments': paymentInput,
  'POST /invoices/{id}/credit-notes': creditNoteInput,
  'POST /invoices/search': searchInput,
  'POST /invoices/exports': exportInput,
  'POST /views': viewInput,
  'PUT /views/{id}': viewInput,
  'POST /recurring-invoices': recurringCreateRequest,
  'PATCH /recurring-invoices/{id}': recurringPatchRequest,
  'PUT /settings/payments': paymentSettingsInput,
  'POST /i/{slug}/checkout': checkoutInput,
  'POST /payments/{id}/refund': refundInput,
  'POST /contacts': contactInput,
  'PATCH /contacts/{id}': contactInput,
  'POST /companies': companyCreateInput,
  'PATCH /companies/{id}': companyInput,
  'POST /deals': dealCreateInput,
  'PATCH /deals/{id}': dealInput,
  'POST /quotes': quoteCreateInput,
  'PATCH /quotes/{id}': quoteInput,
  'POST /products': productCreateInput,
  'PATCH /products/{id}': productInput,
  'POST /webhook-endpoints': webhookEndpointCreateInput,
  'PATCH /webhook-endpoints/{id}': webhookEndpointPatchInput,
};

/**
 * The success response of each route, by route key. test/unit/http/route-schemas.test.ts lists the
 * JSON routes without one.
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

/** Every route with its schemas. */
export const ROUTES_WITH_SCHEMAS: RouteWithSchemas[] = ROUTES.map((route) => {
  const key = routeKey(route);
  const body = ROUTE_BODIES[key];
  const response = ROUTE_RESPONSES[key];
  return { ...route, ...(body ? { body } : {}), ...(response ? { response } : {}) };
});
