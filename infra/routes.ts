import type { Permission } from '../domain/auth/actor.js';

/**
 * The one route table. The CDK stack makes an HTTP API route (and JWT authorizer where a
 * permission is needed) for each entry; the local runtime matches requests against it; the
 * handlers check the permission named here; the OpenAPI document is generated from it.
 */
export type ApiFunction =
  'invoices' | 'settings' | 'contacts' | 'companies' | 'crm' | 'docs' | 'buyer' | 'index' | 'payments' | 'webhooks';

export type RouteDef = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  function: ApiFunction;
  /** null: public, no token. */
  permission: Permission | null;
  /** Another permission that also grants the route (a settings writer may read what it writes). */
  orPermission?: Permission;
  summary: string;
  /** The status of success. */
  status: 200 | 201 | 204 | 303;
  /**
   * How the body is read: JSON (the default); `form`: a browser's form post or JSON; `raw`: left
   * as it arrived, for a handler that verifies a signature over its exact bytes; `binary`: the bytes
   * of a file sent with its own content type (the seller's logo), in `ApiRequest.bytes`.
   */
  input?: 'json' | 'form' | 'raw' | 'binary';
  /** For a `binary` route: the media types its body may have (the OpenAPI request body). */
  accepts?: readonly string[];
  /** The media type of the success body when it is not JSON (e-invoices are XML). */
  produces?: string;
};

const r = (
  method: RouteDef['method'],
  path: string,
  fn: ApiFunction,
  permission: Permission | null,
  summary: string,
  status: RouteDef['status'] = 200,
): RouteDef => ({
  method,
  path,
  function: fn,
  permission,
  summary,
  status,
});

const ROUTE_TABLE: RouteDef[] = [
  r('GET', '/openapi.json', 'docs', null, 'This OpenAPI document'),

  {
    ...r('GET', '/settings/invoices', 'settings', 'invoices:read', 'Read the invoice settings'),
    orPermission: 'settings:write',
  },
  r(
    'PUT',
    '/settings/invoices',
    'settings',
    'settings:write',
    'Change the invoice settings (fields left out keep their values)',
    200,
  ),
  {
    ...r(
      'PUT',
      '/settings/invoices/logo',
      'settings',
      'settings:write',
      "Set the seller's logo: the PNG or JPEG itself (at most 1 MB) as the body, with its Content-Type",
    ),
    input: 'binary',
    accepts: ['image/png', 'image/jpeg'],
  },
  r(
    'DELETE',
    '/settings/invoices/logo',
    'settings',
    'settings:write',
    "Remove the seller's logo (invoices already issued keep theirs)",
    204,
  ),

  r(
    'GET',
    '/association-labels',
    'settings',
    'invoices:read',
    "The account's association labels (for contact and company associations)",
  ),
  r(
    'POST',
    '/association-labels',
    'settings',
    'settings:write',
    'Define an association label (at most 50 per account)',
    201,
  ),
  r(
    'DELETE',
    '/association-labels/{id}',
    'settings',
    'settings:write',
    'Delete an association label (409 while an invoice uses it)',
    204,
  ),

  r('GET', '/snippets', 'settings', 'invoices:read', "The account's comment snippets"),
  r('POST', '/snippets', 'settings', 'invoices:write', 'Create a comment snippet (unique shortcut; at most 500)', 201),
  r('GET', '/snippets/{id}', 'settings', 'invoices:read', 'One snippet'),
  r(
    'PATCH',
    '/snippets/{id}',
    'settings',
    'invoices:write',
    'Change a snippet (invoices it was inserted into keep their copy)',
    200,
  ),
  r('DELETE', '/snippets/{id}', 'settings', 'invoices:write', 'Delete a snippet', 204),

  r(
    'POST',
    '/api-keys',
    'settings',
    'settings:write',
    'Create an API key for a program: the key is in this response only',
    201,
  ),
  r('GET', '/api-keys', 'settings', 'settings:write', "The account's API keys, newest first (never the key itself)"),
  r(
    'DELETE',
    '/api-keys/{id}',
    'settings',
    'settings:write',
    'Revoke an API key: refused from the next request on',
    204,
  ),

  r(
    'POST',
    '/invoices',
    'invoices',
    'invoices:write',
    'Create a draft invoice; `from` copies a deal or published quote, or associates a contact or company',
    201,
  ),
  r('GET', '/invoices', 'invoices', 'invoices:read', 'List invoices, newest first'),
  r('GET', '/invoices/{id}', 'invoices', 'invoices:read', 'Read an invoice'),
  r('PATCH', '/invoices/{id}', 'invoices', 'invoices:write', 'Edit a draft invoice', 200),
  r('DELETE', '/invoices/{id}', 'invoices', 'invoices:write', 'Delete a draft invoice', 204),
  r('POST', '/invoices/{id}/finalize', 'invoices', 'invoices:write', 'Finalize a draft: it becomes open and immutable'),
  r(
    'POST',
    '/invoices/{id}/mark-paid',
    'invoices',
    'invoices:write',
    'Mark an open invoice paid (cannot be undone)',
    200,
  ),
  r('POST', '/invoices/{id}/void', 'invoices', 'invoices:write', 'Void an open invoice (cannot be undone)'),
  r('POST', '/invoices/{id}/clone', 'invoices', 'invoices:write', 'Clone an invoice into a new draft', 201),
  r(
    'POST',
    '/invoices/{id}/send',
    'invoices',
    'invoices:write',
    "Email the invoice's contacts a link to it (open or paid invoices)",
  ),
  r(
    'POST',
    '/invoices/{id}/insert-snippet',
    'invoices',
    'invoices:write',
    "Append a snippet to a draft's comments (409 once finalized)",
    200,
  ),
  r(
    'POST',
    '/invoices/{id}/remind',
    'invoices',
    'invoices:write',
    "Email the invoice's contacts a payment reminder now (open invoices with a balance due; one a day per invoice, 429 otherwise)",
    201,
  ),
  r(
    'GET',
    '/invoices/{id}/reminders',
    'invoices',
    'invoices:read',
    'The payment reminders sent for an invoice (scheduled and manual), oldest first',
  ),
  r('GET', '/invoices/{id}/pdf', 'invoices', 'invoices:read', 'A signed link to the PDF, valid at most 15 minutes'),
  r(
    'GET',
    '/invoices/{id}/preview',
    'invoices',
    'invoices:read',
    'The invoice as the buyer will see it (HTML), drafts included',
  ),
  r(
    'PUT',
    '/invoices/{id}/associations/{type}/{targetId}',
    'invoices',
    'invoices:write',
    'Associate a contact or company (drafts only, with `labels`: association label ids), or a deal or quote (any status)',
    200,
  ),
  r(
    'DELETE',
    '/invoices/{id}/associations/{type}/{targetId}',
    'invoices',
    'invoices:write',
    'Detach a contact or company (drafts only), or a deal or quote (any status)',
  ),

  r(
    'POST',
    '/invoices/{id}/payments',
    'invoices',
    'invoices:write',
    'Record a payment on an open invoice (partial only where allowPartialPayments)',
    201,
  ),
  r('GET', '/invoices/{id}/payments', 'invoices', 'invoices:read', 'The payments recorded on an invoice, oldest first'),
  r(
    'POST',
    '/invoices/{id}/credit-notes',
    'invoices',
    'invoices:write',
    'Issue a credit note on an open or paid invoice',
    201,
  ),
  r('GET', '/invoices/{id}/credit-notes', 'invoices', 'invoices:read', "An invoice's credit notes, oldest first"),
  r('GET', '/credit-notes/{id}', 'invoices', 'invoices:read', 'Read a credit note'),
  r(
    'GET',
    '/invoices/{id}/history',
    'invoices',
    'invoices:read',
    "An invoice's history, oldest first: every change, who made it, and the fields that changed",
  ),
  r('GET', '/audit/chain', 'invoices', 'invoices:read', "The account's chain of issued documents, in sequence order"),
  r(
    'GET',
    '/audit/verify',
    'invoices',
    'invoices:read',
    'Recompute every document and link of the chain; names the first break',
  ),
  {
    ...r(
      'GET',
      '/invoices/{id}/e-invoice',
      'invoices',
      'invoices:read',
      'The issued invoice as an EN 16931 e-invoice: UBL 2.1 (Peppol BIS Billing 3.0) or CII D16B (`syntax=ubl|cii`)',
    ),
    produces: 'application/xml',
  },
  {
    ...r(
      'GET',
      '/credit-notes/{id}/e-invoice',
      'invoices',
      'invoices:read',
      'The credit note as an EN 16931 e-invoice (UBL CreditNote or CII 381), referring to its invoice',
    ),
    produces: 'application/xml',
  },
  r(
    'GET',
    '/credit-notes/{id}/pdf',
    'invoices',
    'invoices:read',
    "A signed link to the credit note's PDF, valid at most 15 minutes",
  ),

  r(
    'POST',
    '/invoices/search',
    'index',
    'invoices:read',
    'Search invoices: filter groups (ORed) of filters (ANDed), one sort, chosen properties, cursor paging',
    200,
  ),
  r(
    'POST',
    '/invoices/exports',
    'index',
    'invoices:read',
    'Export the invoices a search finds to CSV or XLSX; runs in the background',
    201,
  ),
  r(
    'GET',
    '/exports/{id}',
    'index',
    'invoices:read',
    'An export: queued, running (with a count), done (with a signed link valid 15 minutes) or failed (with a reason)',
  ),
  r(
    'GET',
    '/views',
    'index',
    'invoices:read',
    "Saved views: the caller's own and those shared with the account, newest first",
  ),
  r(
    'POST',
    '/views',
    'index',
    'invoices:read',
    'Save a view of the invoice index: name, filters, columns, sort; `shared` shows it to the account',
    201,
  ),
  r('GET', '/views/{id}', 'index', 'invoices:read', 'Read a saved view'),
  r('PUT', '/views/{id}', 'index', 'invoices:read', 'Replace a saved view (its owner only)', 200),
  r('DELETE', '/views/{id}', 'index', 'invoices:read', 'Delete a saved view (its owner only)', 204),

  r(
    'POST',
    '/recurring-invoices',
    'invoices',
    'invoices:write',
    'Create a recurring invoice: an invoice template and the schedule it is issued on',
    201,
  ),
  r('GET', '/recurring-invoices', 'invoices', 'invoices:read', 'List recurring invoices, newest first'),
  r('GET', '/recurring-invoices/{id}', 'invoices', 'invoices:read', 'Read a recurring invoice'),
  r(
    'PATCH',
    '/recurring-invoices/{id}',
    'invoices',
    'invoices:write',
    'Edit a recurring invoice (later runs only; issued invoices keep what they were issued with)',
    200,
  ),
  r(
    'DELETE',
    '/recurring-invoices/{id}',
    'invoices',
    'invoices:write',
    'End a recurring invoice (the invoices it issued stay)',
    204,
  ),
  r('POST', '/recurring-invoices/{id}/pause', 'invoices', 'invoices:write', 'Pause a recurring invoice'),
  r(
    'POST',
    '/recurring-invoices/{id}/resume',
    'invoices',
    'invoices:write',
    'Resume a paused recurring invoice from the next run date on or after today',
  ),
  r(
    'GET',
    '/recurring-invoices/{id}/upcoming',
    'invoices',
    'invoices:read',
    'The next run dates (`count`, default 10, at most 100), as the job will issue them',
  ),
  r(
    'GET',
    '/recurring-invoices/{id}/invoices',
    'invoices',
    'invoices:read',
    'The invoices a recurring invoice issued, newest first',
  ),

  r('GET', '/i/{slug}', 'buyer', null, 'The hosted invoice page for buyers'),
  r('GET', '/i/{slug}/pdf', 'buyer', null, 'Redirect (302) to a fresh signed link to the PDF'),

  r('GET', '/settings/payments', 'payments', 'invoices:read', "The account's payment processor connection"),
  r(
    'PUT',
    '/settings/payments',
    'payments',
    'settings:write',
    'Connect a payment processor (its connected account) or disconnect it (`processor: null`)',
    200,
  ),
  {
    ...r(
      'POST',
      '/i/{slug}/checkout',
      'payments',
      null,
      "303 to the processor's hosted checkout for the balance due (or `amount`, where partial payments are allowed)",
      303,
    ),
    input: 'form',
  },
  {
    ...r(
      'POST',
      '/webhooks/stripe',
      'payments',
      null,
      "The payment processor's events, verified by the Stripe-Signature header",
    ),
    input: 'raw',
  },
  r(
    'POST',
    '/payments/{id}/refund',
    'payments',
    'invoices:write',
    'Refund a payment (an online one through the processor); all that is left when `amount` is left out',
    200,
  ),
  r('POST', '/payments/{id}/void', 'payments', 'invoices:write', 'Void a recorded payment entered by mistake'),

  r('POST', '/contacts', 'contacts', 'crm:write', 'Create a contact', 201),
  r('GET', '/contacts', 'contacts', 'crm:read', 'List contacts, newest first'),
  r('GET', '/contacts/{id}', 'contacts', 'crm:read', 'Read a contact'),
  r('PATCH', '/contacts/{id}', 'contacts', 'crm:write', 'Edit a contact', 200),
  r(
    'DELETE',
    '/contacts/{id}',
    'contacts',
    'crm:write',
    'Delete a contact (409 while an issued invoice names it)',
    204,
  ),
  r('GET', '/contacts/{id}/invoices', 'contacts', 'invoices:read', "A contact's invoices, newest first"),

  r('POST', '/companies', 'companies', 'crm:write', 'Create a company', 201),
  r('GET', '/companies', 'companies', 'crm:read', 'List companies, newest first'),
  r('GET', '/companies/{id}', 'companies', 'crm:read', 'Read a company'),
  r('PATCH', '/companies/{id}', 'companies', 'crm:write', 'Edit a company', 200),
  r(
    'DELETE',
    '/companies/{id}',
    'companies',
    'crm:write',
    'Delete a company (409 while an issued invoice names it)',
    204,
  ),
  r('GET', '/companies/{id}/invoices', 'companies', 'invoices:read', "A company's invoices, newest first"),

  r('POST', '/deals', 'crm', 'crm:write', 'Create a deal', 201),
  r('GET', '/deals', 'crm', 'crm:read', 'List deals, newest first'),
  r('GET', '/deals/{id}', 'crm', 'crm:read', 'Read a deal'),
  r('PATCH', '/deals/{id}', 'crm', 'crm:write', 'Edit a deal', 200),
  r('DELETE', '/deals/{id}', 'crm', 'crm:write', 'Delete a deal (409 while an issued invoice names it)', 204),
  r('GET', '/deals/{id}/invoices', 'crm', 'invoices:read', "A deal's invoices, newest first"),

  r('POST', '/quotes', 'crm', 'crm:write', 'Create a quote', 201),
  r('GET', '/quotes', 'crm', 'crm:read', 'List quotes, newest first'),
  r('GET', '/quotes/{id}', 'crm', 'crm:read', 'Read a quote'),
  r('PATCH', '/quotes/{id}', 'crm', 'crm:write', 'Edit a quote', 200),
  r('DELETE', '/quotes/{id}', 'crm', 'crm:write', 'Delete a quote (409 while an issued invoice names it)', 204),
  r('GET', '/quotes/{id}/invoices', 'crm', 'invoices:read', "A quote's invoices, newest first"),

  r('POST', '/products', 'crm', 'crm:write', 'Create a product', 201),
  r('GET', '/products', 'crm', 'crm:read', 'List products, newest first'),
  r('GET', '/products/{id}', 'crm', 'crm:read', 'Read a product'),
  r('PATCH', '/products/{id}', 'crm', 'crm:write', 'Edit a product (invoices keep the copies they took)', 200),
  r('DELETE', '/products/{id}', 'crm', 'crm:write', 'Delete a product (invoices keep the copies they took)', 204),

  r(
    'POST',
    '/webhook-endpoints',
    'webhooks',
    'settings:write',
    'Subscribe an https endpoint to events (or `*`); the answer carries its signing secret, shown only here',
    201,
  ),
  r('GET', '/webhook-endpoints', 'webhooks', 'settings:write', 'List webhook endpoints, newest first'),
  r('GET', '/webhook-endpoints/{id}', 'webhooks', 'settings:write', 'Read a webhook endpoint'),
  r(
    'PATCH',
    '/webhook-endpoints/{id}',
    'webhooks',
    'settings:write',
    'Edit a webhook endpoint (url, events, description, status)',
    200,
  ),
  r('DELETE', '/webhook-endpoints/{id}', 'webhooks', 'settings:write', 'Delete a webhook endpoint', 204),
  r(
    'POST',
    '/webhook-endpoints/{id}/rotate-secret',
    'webhooks',
    'settings:write',
    'A new signing secret (shown only here); the old one keeps signing beside it for 24 hours',
  ),
  r(
    'POST',
    '/webhook-endpoints/{id}/test',
    'webhooks',
    'settings:write',
    'Deliver a `ping` event to the endpoint',
    201,
  ),
  r(
    'GET',
    '/webhook-endpoints/{id}/deliveries',
    'webhooks',
    'settings:write',
    "The endpoint's deliveries, newest first, each with every attempt",
  ),
  r(
    'POST',
    '/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
    'webhooks',
    'settings:write',
    'Attempt a delivery once more, now (same body and webhook-id)',
  ),
];

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

/**
 * Every route. Their request and response schemas are in infra/route-schemas.ts
 * (ROUTES_WITH_SCHEMAS), for the OpenAPI document and the tests: a function validates a body with
 * its own operation's schema and never checks its answers, so no function builds the schemas of
 * every route (and loads what they use, such as the VAT id and IBAN checkers) at its cold start.
 */
export const ROUTES: RouteDef[] = ROUTE_TABLE;

export const API_FUNCTIONS: ApiFunction[] = [...new Set(ROUTES.map((r) => r.function))];

/** The entry module of each API function, relative to the repository root. */
export const FUNCTION_ENTRY: Record<ApiFunction, string> = {
  invoices: 'functions/http/invoices.handler.ts',
  settings: 'functions/http/settings.handler.ts',
  contacts: 'functions/http/contacts.handler.ts',
  companies: 'functions/http/companies.handler.ts',
  crm: 'functions/http/crm.handler.ts',
  docs: 'functions/http/openapi.handler.ts',
  buyer: 'functions/http/buyer.handler.ts',
  index: 'functions/http/invoice-index.handler.ts',
  payments: 'functions/http/payments.handler.ts',
  webhooks: 'functions/http/webhooks.handler.ts',
};

/** The HTTP API's Lambda authorizer (JWTs and API keys). */
export const AUTHORIZER_ENTRY = 'functions/http/authorizer.handler.ts';

/** Functions not behind the API: the stream consumer (it renders PDFs) and the scheduled job. */
export const STREAM_FUNCTION_ENTRY = 'functions/stream/invoice-stream.handler.ts';
export const OVERDUE_JOB_ENTRY = 'functions/jobs/overdue.handler.ts';
export const RECURRING_JOB_ENTRY = 'functions/jobs/recurring.handler.ts';
export const REMINDERS_JOB_ENTRY = 'functions/jobs/reminders.handler.ts';
export const BACKFILL_FUNCTION_ENTRY = 'functions/jobs/backfill.handler.ts';
/** Runs queued exports: a second consumer of the table's stream, for inserted export jobs only. */
export const EXPORT_FUNCTION_ENTRY = 'functions/stream/export-stream.handler.ts';
/** Sends webhook deliveries: drains the delivery queue (SQS in AWS, the in-process queue locally). */
export const WEBHOOK_DELIVERY_FUNCTION_ENTRY = 'functions/webhooks/delivery.handler.ts';
/** Renders PDFs (and e-invoices) off the render queue the stream consumer fills (SQS FIFO in AWS, in-process locally). */
export const RENDER_FUNCTION_ENTRY = 'functions/pdf/render.handler.ts';
