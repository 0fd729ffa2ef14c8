import * as z from 'zod';
import { filterGroupsInput, sortsInput } from '../../domain/search/search-input.js';

/**
 * The shapes the API answers with, as zod schemas: the OpenAPI document's `components/schemas`
 * are generated from them (openapi.ts), the contract test validates every response the
 * integration suites receive against that document, and test/unit/http/response-schemas.test.ts
 * checks presenters' output against them. Objects are strict: a field a presenter adds without
 * adding it here fails those tests, naming the field.
 *
 * Adding a route's response: give its route-table entry `response: { name, schema }` (infra/routes.ts);
 * a name used twice must name the same schema.
 */

const id = z.string();
const instant = z.string().describe('ISO 8601 instant, UTC');
const date = z.string().describe('Calendar date, YYYY-MM-DD');
const money = z.int().describe('Minor units of the currency');

export const metadataResponse = z
  .record(z.string(), z.string())
  .describe('The integrator’s own keys: up to 50, keys of at most 40 characters, values of at most 500');

const address = z.strictObject({
  line1: z.string(),
  line2: z.string().nullish(),
  city: z.string(),
  region: z.string().nullish(),
  postalCode: z.string().nullish(),
  country: z.string(),
});

const discount = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('amount'), value: z.number() }),
  z.strictObject({ type: z.literal('percent'), value: z.number() }),
]);

/** E-invoice party identifiers (domain/shared/party-ids.ts), as stored. */
const electronicAddress = z.strictObject({ scheme: z.string(), id: z.string() });
const legalRegistrationId = z.strictObject({ id: z.string(), scheme: z.string().nullish() });
const sellerProfile = z.strictObject({
  legalName: z.string(),
  tradingName: z.string().nullish(),
  vatId: z.string().nullish(),
  taxRegistrationId: z.string().nullish(),
  legalRegistrationId: legalRegistrationId.nullish(),
  address: z.strictObject({
    line1: z.string(),
    line2: z.string().nullish(),
    city: z.string(),
    postalCode: z.string(),
    region: z.string().nullish(),
    country: z.string(),
  }),
  contact: z
    .strictObject({ name: z.string().nullish(), email: z.string().nullish(), phone: z.string().nullish() })
    .nullish(),
  electronicAddress: electronicAddress.nullish(),
  bankAccount: z.strictObject({ iban: z.string(), bic: z.string().nullish() }).nullish(),
});

const lineItem = z.strictObject({
  id,
  productId: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  quantity: z.number(),
  unitPrice: money,
  discount: discount.nullable(),
  taxRate: z.number().nullable(),
  amount: money,
  taxAmount: money,
  // EN 16931 (absent on lines stored before e-invoices: domain/invoices/invoice.ts derives them).
  taxCategory: z.enum(['S', 'Z', 'E', 'AE', 'K', 'G', 'O']).optional(),
  taxExemptionReason: z.string().nullish(),
  taxExemptionReasonCode: z.string().nullish(),
  unitCode: z.string().optional(),
});

const totals = z.strictObject({
  subtotal: money,
  discount: money,
  tax: money,
  total: money,
  amountPaid: money,
  // Absent on invoices stored before credit notes existed.
  creditedAmount: money.optional(),
  balanceDue: money,
});

/** What every stored object shows beside its own fields. */
const versioned = { id, version: z.int(), createdAt: instant, updatedAt: instant };

export const invoiceResponse = z.strictObject({
  ...versioned,
  number: z.string().nullable(),
  status: z.enum(['draft', 'open', 'paid', 'voided']),
  pastDue: z.boolean(),
  currency: z.string(),
  invoiceDate: date,
  paymentTerms: z.string(),
  dueDate: date.nullable(),
  poNumber: z.string().nullable(),
  billingAddress: address.nullable(),
  contacts: z.array(id),
  company: id.nullable(),
  deals: z.array(id),
  quotes: z.array(id),
  lineItems: z.array(lineItem),
  totals,
  comments: z.string().nullable(),
  billing: z.strictObject({
    paymentMethods: z.array(z.string()),
    collectBillingAddress: z.boolean(),
    collectShippingAddress: z.boolean(),
  }),
  allowPartialPayments: z.boolean(),
  language: z.string(),
  locale: z.string(),
  domain: z.string().nullable(),
  slug: z.string(),
  url: z.string(),
  owner: z.string(),
  finalizedAt: instant.nullable(),
  sentAt: instant.nullable(),
  paidAt: instant.nullable(),
  voidedAt: instant.nullable(),
  pdf: z.strictObject({ status: z.enum(['none', 'pending', 'ready']), sha256: z.string().nullable() }),
  recurringInvoiceId: id.nullish(),
  metadata: metadataResponse,
  buyerReference: z.string().nullish(),
  /** The seller and buyer as they stood at finalization (absent on drafts). */
  seller: sellerProfile.nullish(),
  buyer: z
    .strictObject({
      name: z.string(),
      vatId: z.string().nullable(),
      legalRegistrationId: legalRegistrationId.nullable(),
      electronicAddress: electronicAddress.nullable(),
      address: address.nullable(),
    })
    .nullish(),
  einvoice: z.strictObject({ status: z.literal('ready'), sha256: z.string(), syntax: z.literal('ubl') }).nullish(),
  /** Labels on the contact and company associations, by associated record id (domain/labels). */
  associationLabels: z.record(z.string(), z.array(z.strictObject({ id, label: z.string() }))),
  remindersPaused: z.boolean(),
  lastRemindedAt: instant.nullable(),
  lastReminderStep: z.int().nullish(),
  nextReminderOn: date.nullable(),
});

export const contactResponse = z.strictObject({
  ...versioned,
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  email: z.string().nullable(),
  address: address.nullable(),
  metadata: metadataResponse,
});

export const companyResponse = z.strictObject({
  ...versioned,
  name: z.string(),
  domain: z.string().nullable(),
  address: address.nullable(),
  metadata: metadataResponse,
  vatId: z.string().nullish(),
  legalRegistrationId: legalRegistrationId.nullish(),
  electronicAddress: electronicAddress.nullish(),
});

export const dealResponse = z.strictObject({
  ...versioned,
  name: z.string(),
  contacts: z.array(id),
  company: id.nullable(),
  lineItems: z.array(lineItem),
  totals,
  owner: z.string(),
  metadata: metadataResponse,
});

export const quoteResponse = z.strictObject({
  ...versioned,
  title: z.string(),
  status: z.enum(['draft', 'published']),
  contacts: z.array(id),
  company: id.nullable(),
  deal: id.nullable(),
  lineItems: z.array(lineItem),
  totals,
  comments: z.string().nullable(),
  expiresOn: date.nullable(),
  billingAddress: address.nullable(),
  owner: z.string(),
  invoices: z.array(id),
  metadata: metadataResponse,
});

export const productResponse = z.strictObject({
  ...versioned,
  name: z.string(),
  sku: z.string().nullable(),
  description: z.string().nullable(),
  unitPrice: money,
  taxRate: z.number().nullable(),
  metadata: metadataResponse,
});

export const paymentResponse = z.strictObject({
  id,
  invoiceId: id,
  amount: money,
  currency: z.string(),
  paidAt: instant,
  method: z.string(),
  reference: z.string().nullable(),
  invoiceVersion: z.int(),
  recordedAt: instant,
  recordedBy: z.string(),
  metadata: metadataResponse,
  source: z.enum(['recorded', 'online']),
  status: z.enum(['pending', 'succeeded', 'failed', 'refunded', 'partiallyRefunded', 'disputed', 'voided']),
  refundedAmount: money,
  refundedAt: instant.optional().describe('When the last refund of a recorded payment was recorded'),
  voidedAt: instant.nullish(),
  processor: z
    .strictObject({ name: z.literal('stripe'), checkoutSessionId: z.string(), paymentIntentId: z.string() })
    .optional(),
  autoRefundedAmount: money.optional().describe('The part that landed with nothing due, refunded automatically'),
});

export const paymentSettingsResponse = z.strictObject({
  processor: z.enum(['stripe']).nullable(),
  connectedAccountId: z.string().nullable(),
  status: z.enum(['connected', 'disconnected']),
  version: z.int(),
  updatedAt: instant.nullable(),
});

export const webhookReceiptResponse = z.strictObject({
  received: z.literal(true),
  outcome: z.enum(['applied', 'duplicate', 'ignored']),
});

export const creditNoteResponse = z.strictObject({
  id,
  invoiceId: id,
  invoiceNumber: z.string().nullable(),
  number: z.string(),
  currency: z.string(),
  language: z.string(),
  locale: z.string(),
  reason: z.string(),
  memo: z.string().nullable(),
  lines: z.array(
    z.strictObject({
      lineItemId: id.nullable(),
      description: z.string(),
      quantity: z.number().nullable(),
      amount: money,
      tax: money,
    }),
  ),
  subtotal: money,
  tax: money,
  total: money,
  appliedToBalance: money,
  refundAmount: money,
  issuedAt: instant,
  issuedBy: z.string(),
  invoiceVersion: z.int(),
  pdf: z.strictObject({ status: z.enum(['pending', 'ready']), sha256: z.string().nullable() }),
  metadata: metadataResponse,
});

export const settingsResponse = z.strictObject({
  prefix: z.string(),
  startNumber: z.int(),
  numbering: z.enum(['onCreate', 'onFinalize']),
  currency: z.string(),
  timeZone: z.string(),
  defaultLanguage: z.string(),
  defaultLocale: z.string(),
  domains: z.array(z.string()),
  paymentMethods: z.array(z.string()),
  collectBillingAddress: z.boolean(),
  collectShippingAddress: z.boolean(),
  shippingCountries: z.array(z.string()),
  allowPartialPayments: z.boolean(),
  creditNotePrefix: z.string(),
  creditNoteStartNumber: z.int(),
  reminders: z.strictObject({ enabled: z.boolean(), schedule: z.array(z.strictObject({ days: z.int() })) }),
  seller: sellerProfile.nullable(),
  /** The seller's logo (`PUT /settings/invoices/logo`): what it is, not where (the bucket is private). */
  logo: z
    .strictObject({
      contentType: z.enum(['image/png', 'image/jpeg']),
      size: z.int(),
      width: z.int(),
      height: z.int(),
      sha256: z.string(),
      updatedAt: instant,
    })
    .nullable(),
  version: z.int(),
  updatedAt: instant.nullable(),
});

export const apiKeyResponse = z.strictObject({
  id,
  name: z.string(),
  permissions: z.array(z.string()),
  role: z.literal('superAdmin').nullable(),
  last4: z.string(),
  createdAt: instant,
  createdBy: z.string(),
  expiresAt: instant.nullable(),
  revokedAt: instant.nullable(),
  lastUsedAt: instant.nullable(),
});

export const apiKeyCreatedResponse = apiKeyResponse.extend({
  key: z.string().describe('The key itself (`ik_live_…`): shown in this response only'),
});

export const viewResponse = z.strictObject({
  ...versioned,
  name: z.string(),
  filterGroups: filterGroupsInput,
  properties: z.array(z.string()).nullable(),
  sorts: sortsInput,
  shared: z.boolean(),
  owner: z.string(),
});

export const exportResponse = z.strictObject({
  ...versioned,
  owner: z.string(),
  format: z.enum(['csv', 'xlsx']),
  filterGroups: filterGroupsInput,
  properties: z.array(z.string()),
  sorts: sortsInput,
  status: z.enum(['queued', 'running', 'done', 'failed']),
  count: z.int(),
  error: z.string().nullable(),
  finishedAt: instant.nullable(),
  /** A signed link to the file, once done. */
  url: z.string().optional(),
  expiresAt: instant.optional(),
});

/** One entry of an invoice's history (domain/audit/history.ts): written with the change, never updated. */
export const historyEntryResponse = z.strictObject({
  at: instant,
  actor: z.strictObject({ type: z.enum(['user', 'apiKey', 'system']), id: z.string() }),
  action: z.string().describe('What happened: created, edited, finalized, paid, voided, …'),
  changes: z.array(z.strictObject({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  /** What the change referred to beside the invoice (a payment's or credit note's id, a file's hash). */
  detail: z.record(z.string(), z.unknown()).optional(),
  truncated: z.boolean().optional().describe('The values were left out to keep the entry within its size limit'),
});

/** One link of the account's chain of issued documents (API.md, "History and the audit chain"). */
export const chainEntryResponse = z.strictObject({
  sequence: z.int(),
  entryType: z.enum(['invoice', 'creditNote', 'pdf', 'einvoice']),
  documentId: id,
  number: z.string().nullable(),
  sha256: z.string(),
  previous: z.string(),
  chain: z.string(),
  at: instant,
  invoiceId: id,
});

export const chainVerificationResponse = z.strictObject({
  ok: z.boolean(),
  checked: z.int(),
  firstBreak: z
    .strictObject({
      sequence: z.int(),
      documentId: id.nullable(),
      reason: z.enum(['missing', 'link', 'chain', 'document', 'documentMissing']),
    })
    .nullable(),
});

/** A recurring invoice's template: the draft fields each run applies (product lines already resolved). */
const templateLineItem = z.strictObject({
  id: id.optional(),
  productId: id.nullish(),
  name: z.string(),
  description: z.string().nullish(),
  quantity: z.number(),
  unitPrice: money,
  discount: discount.nullish(),
  taxRate: z.number().nullish(),
  taxCategory: z.enum(['S', 'Z', 'E', 'AE', 'K', 'G', 'O']).nullish(),
  taxExemptionReason: z.string().nullish(),
  taxExemptionReasonCode: z.string().nullish(),
  unitCode: z.string().nullish(),
});

const recurringTemplate = z.strictObject({
  contacts: z.array(id),
  company: id.nullish(),
  lineItems: z.array(templateLineItem),
  paymentTerms: z.string().optional(),
  currency: z.string().optional(),
  language: z.string().optional(),
  locale: z.string().optional(),
  comments: z.string().nullish(),
  billing: z
    .strictObject({
      paymentMethods: z.array(z.string()).optional(),
      collectBillingAddress: z.boolean().optional(),
      collectShippingAddress: z.boolean().optional(),
    })
    .optional(),
  poNumber: z.string().nullish(),
});

export const recurringInvoiceResponse = z.strictObject({
  ...versioned,
  name: z.string(),
  status: z.enum(['active', 'paused', 'ended']),
  invoice: recurringTemplate,
  schedule: z.strictObject({
    interval: z.enum(['week', 'month', 'year']),
    every: z.int(),
    startDate: date,
    endDate: date.nullable(),
    count: z.int().nullable(),
  }),
  autoFinalize: z.boolean(),
  autoSend: z.boolean(),
  owner: z.string(),
  nextRunOn: date.nullable().describe('The next run date; null once the schedule has ended'),
  issuedCount: z.int(),
  lastRunOn: date.nullable(),
  lastInvoiceId: id.nullable(),
  skippedRuns: z.array(date).describe('Run dates missed while the job was not running: not issued'),
  lastError: z
    .strictObject({
      at: instant,
      runOn: date,
      message: z.string(),
      errors: z.array(z.strictObject({ path: z.string(), message: z.string() })),
    })
    .nullable()
    .describe('Why the last run could not issue its invoice; cleared by the next run that does'),
  pausedAt: instant.nullable(),
  endedAt: instant.nullable(),
});

export const upcomingRunsResponse = z.strictObject({ results: z.array(date) });

export const webhookEndpointResponse = z.strictObject({
  id,
  url: z.string(),
  events: z.array(z.string()).describe('Event types, or `*` for all'),
  description: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  failingSince: instant.nullable().describe('Since when every delivery has failed; null after a success'),
  disabledReason: z.string().nullable(),
  version: z.int(),
  createdAt: instant,
  updatedAt: instant,
  secretRotatedAt: instant.nullable(),
});

export const webhookEndpointCreatedResponse = webhookEndpointResponse.extend({
  secret: z.string().describe('The signing secret (`whsec_…`): shown in this response only'),
});

export const deliveryResponse = z.strictObject({
  id,
  endpointId: id,
  eventId: id.describe('The `webhook-id` of every attempt'),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  mode: z.enum(['automatic', 'manual']),
  attempts: z.array(
    z.strictObject({
      attempt: z.int(),
      at: instant,
      statusCode: z.int().nullable(),
      error: z.string().nullable(),
      durationMs: z.int(),
      responseBody: z.string().nullable().describe('The start of the answer, at most 1 KB'),
      nextRetryAt: instant.nullable(),
    }),
  ),
  nextRetryAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

export const associationLabelResponse = z.strictObject({
  ...versioned,
  objectType: z.enum(['contact', 'company']),
  label: z.string(),
});

export const snippetResponse = z.strictObject({
  ...versioned,
  shortcut: z.string(),
  body: z.string().describe('Rich text, sanitized like comments'),
});

export const reminderResponse = z.strictObject({
  id,
  invoiceId: id,
  invoiceVersion: z.int(),
  sentAt: instant,
  trigger: z.enum(['schedule', 'manual']),
  step: z.int().nullable().describe('The schedule step (days relative to the due date); null when manual'),
  recipients: z.array(z.string()),
  language: z.string(),
  balanceDue: money,
  currency: z.string(),
  dueDate: date.nullable(),
});

/** A search result: whole invoices, or flat rows of the chosen `properties` (always with the id). */
const searchRow = z.looseObject({ id }).describe('The chosen properties of one invoice, by their flat names');

export const signedLinkResponse = z.strictObject({ url: z.string(), expiresAt: instant });

/** A page of a list: `{ results, paging: { next?: { after } } }`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    results: z.array(item),
    paging: z.strictObject({ next: z.strictObject({ after: z.string() }).optional() }),
  });

/** A whole list (an invoice's payments or credit notes), not paged. */
export const listOf = <T extends z.ZodType>(item: T) => z.strictObject({ results: z.array(item) });

export const paymentCreatedResponse = paymentResponse.extend({ invoice: invoiceResponse });
export const creditNoteCreatedResponse = creditNoteResponse.extend({ invoice: invoiceResponse });
export const reminderSentResponse = reminderResponse.extend({ invoice: invoiceResponse });

/** A route's success response: the component name it is published under, and its schema. */
export type ResponseSpec = { name: string; schema: z.ZodType };

export const RESPONSES = {
  invoice: { name: 'Invoice', schema: invoiceResponse },
  invoicePage: { name: 'InvoicePage', schema: pageOf(invoiceResponse) },
  contact: { name: 'Contact', schema: contactResponse },
  contactPage: { name: 'ContactPage', schema: pageOf(contactResponse) },
  company: { name: 'Company', schema: companyResponse },
  companyPage: { name: 'CompanyPage', schema: pageOf(companyResponse) },
  deal: { name: 'Deal', schema: dealResponse },
  dealPage: { name: 'DealPage', schema: pageOf(dealResponse) },
  quote: { name: 'Quote', schema: quoteResponse },
  quotePage: { name: 'QuotePage', schema: pageOf(quoteResponse) },
  product: { name: 'Product', schema: productResponse },
  productPage: { name: 'ProductPage', schema: pageOf(productResponse) },
  payment: { name: 'Payment', schema: paymentResponse },
  paymentCreated: { name: 'PaymentWithInvoice', schema: paymentCreatedResponse },
  paymentList: { name: 'PaymentList', schema: listOf(paymentResponse) },
  paymentSettings: { name: 'PaymentSettings', schema: paymentSettingsResponse },
  webhookReceipt: { name: 'WebhookReceipt', schema: webhookReceiptResponse },
  creditNote: { name: 'CreditNote', schema: creditNoteResponse },
  creditNoteCreated: { name: 'CreditNoteWithInvoice', schema: creditNoteCreatedResponse },
  creditNoteList: { name: 'CreditNoteList', schema: listOf(creditNoteResponse) },
  settings: { name: 'Settings', schema: settingsResponse },
  apiKey: { name: 'ApiKey', schema: apiKeyResponse },
  apiKeyCreated: { name: 'ApiKeyWithSecret', schema: apiKeyCreatedResponse },
  apiKeyPage: { name: 'ApiKeyPage', schema: pageOf(apiKeyResponse) },
  signedLink: { name: 'SignedLink', schema: signedLinkResponse },
  view: { name: 'View', schema: viewResponse },
  viewPage: { name: 'ViewPage', schema: pageOf(viewResponse) },
  export: { name: 'Export', schema: exportResponse },
  searchPage: { name: 'SearchResultPage', schema: pageOf(z.union([invoiceResponse, searchRow])) },
  historyPage: { name: 'HistoryEntryPage', schema: pageOf(historyEntryResponse) },
  chainPage: { name: 'ChainEntryPage', schema: pageOf(chainEntryResponse) },
  chainVerification: { name: 'ChainVerification', schema: chainVerificationResponse },
  recurringInvoice: { name: 'RecurringInvoice', schema: recurringInvoiceResponse },
  recurringInvoicePage: { name: 'RecurringInvoicePage', schema: pageOf(recurringInvoiceResponse) },
  upcomingRuns: { name: 'UpcomingRuns', schema: upcomingRunsResponse },
  webhookEndpoint: { name: 'WebhookEndpoint', schema: webhookEndpointResponse },
  webhookEndpointCreated: { name: 'WebhookEndpointWithSecret', schema: webhookEndpointCreatedResponse },
  webhookEndpointPage: { name: 'WebhookEndpointPage', schema: pageOf(webhookEndpointResponse) },
  delivery: { name: 'Delivery', schema: deliveryResponse },
  deliveryPage: { name: 'DeliveryPage', schema: pageOf(deliveryResponse) },
  associationLabel: { name: 'AssociationLabel', schema: associationLabelResponse },
  associationLabelPage: { name: 'AssociationLabelPage', schema: pageOf(associationLabelResponse) },
  snippet: { name: 'Snippet', schema: snippetResponse },
  snippetPage: { name: 'SnippetPage', schema: pageOf(snippetResponse) },
  reminder: { name: 'Reminder', schema: reminderResponse },
  reminderSent: { name: 'ReminderWithInvoice', schema: reminderSentResponse },
  reminderList: { name: 'ReminderList', schema: listOf(reminderResponse) },
} as const satisfies Record<string, ResponseSpec>;
