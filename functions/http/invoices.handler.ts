import * as z from 'zod';
import {
  cloneInvoice,
  deleteInvoice,
  finalizeInvoice,
  getInvoice,
  listInvoices,
  markInvoicePaid,
  voidInvoice,
} from '../../domain/invoices/invoice-use-cases.js';
import {
  emptyInput,
  invoiceCreateRequest,
  invoiceEditRequest,
  markPaidInput,
} from '../../domain/invoices/invoice-input.js';
import {
  INVOICE_ASSOCIATION_TYPES,
  associateRecord,
  createInvoiceFromRequest,
  dissociateRecord,
  updateInvoiceFromRequest,
} from '../../domain/invoices/invoice-conversion.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { associationInput } from '../../domain/labels/association-label.js';
import { insertSnippetInput } from '../../domain/snippets/snippet.js';
import { insertSnippet } from '../../domain/snippets/snippet-use-cases.js';
import { invoicePdfLink, previewInvoice } from '../../domain/documents/document-use-cases.js';
import { sendInvoice } from '../../domain/invoices/send-invoice.js';
import {
  creditNoteEinvoiceXml,
  EINVOICE_SYNTAXES,
  invoiceEinvoiceXml,
} from '../../domain/einvoice/einvoice-use-cases.js';
import { countMetric, METRIC, type MetricName } from '../observability/metrics.js';
import { crm } from '../crm-wiring.js';
import { mailer as mailerOf } from '../mail/mail-wiring.js';
import { documents as documentsOf } from '../s3/document-wiring.js';
import { app, auditLog, recurringStore, reminderStore, snippetStore } from '../wiring.js';
import { invoiceHtml, signedLink } from './document-responses.js';
import { httpHandler } from './http-handler.js';
import type { ApiRequest } from './http-types.js';
import { presentInvoice, presentPage } from './presenters.js';
import { parseLimit, validate } from './request.js';
import { ledgerOperations } from './ledger-routes.js';
import { recurringOperations } from './recurring-routes.js';
import { auditOperations } from './audit-routes.js';
import { reminderOperations } from './reminder-routes.js';

const { config, deps } = app();
const mailer = mailerOf();
const { pdfRecords, documents, logos } = documentsOf();
const audit = auditLog();
/** Creating, editing and associating also read deals, quotes and products. */
const withCrm = { ...deps, ...crm() };
const show = (i: Invoice) => presentInvoice(i, config.PUBLIC_BASE_URL);
const ok = (status: number) => (i: Invoice) => ({ status, body: show(i) });
const einvoiceQuery = z.object({ syntax: z.enum(EINVOICE_SYNTAXES).default('ubl') });
const xml = (text: string) => ({ status: 200, xml: text, headers: { 'cache-control': 'no-store' } });
const associationParams = z.object({ type: z.enum(INVOICE_ASSOCIATION_TYPES), targetId: z.string().min(1).max(64) });

/** Counts what the use case did once it has done it (an idempotent replay never gets here). */
const counted = (metric: MetricName) => (i: Invoice) => (countMetric(metric), i);

/** Actions take no body, or an empty object; anything else is a mistake worth reporting. */
const noBody = (req: ApiRequest) => validate(emptyInput, req.body);

export const handler = httpHandler(
  {
    'POST /invoices': (req) =>
      createInvoiceFromRequest(withCrm, req.actor, validate(invoiceCreateRequest, req.body))
        .then(counted(METRIC.invoicesCreated))
        .then(ok(201)),
    'GET /invoices': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await listInvoices(deps, req.actor, limit, after), show) };
    },
    'GET /invoices/{id}': (req) => getInvoice(deps, req.actor, req.params.id!).then(ok(200)),
    'PATCH /invoices/{id}': (req) =>
      updateInvoiceFromRequest(
        withCrm,
        req.actor,
        req.params.id!,
        validate(invoiceEditRequest, req.body),
        req.ifMatch,
      ).then(ok(200)),
    'DELETE /invoices/{id}': async (req) => {
      await deleteInvoice(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 204 };
    },
    'POST /invoices/{id}/finalize': (req) => (
      noBody(req),
      finalizeInvoice(deps, req.actor, req.params.id!, req.ifMatch)
        .then(counted(METRIC.invoicesFinalized))
        .then(ok(200))
    ),
    'POST /invoices/{id}/mark-paid': (req) =>
      markInvoicePaid(deps, req.actor, req.params.id!, validate(markPaidInput, req.body), req.ifMatch).then(ok(200)),
    'POST /invoices/{id}/void': (req) => (
      noBody(req),
      voidInvoice(deps, req.actor, req.params.id!, req.ifMatch).then(ok(200))
    ),
    'POST /invoices/{id}/clone': (req) => (
      noBody(req),
      cloneInvoice(deps, req.actor, req.params.id!).then(counted(METRIC.invoicesCreated)).then(ok(201))
    ),
    'POST /invoices/{id}/send': (req) => (
      noBody(req),
      sendInvoice(
        { ...deps, mailer, publicBaseUrl: config.PUBLIC_BASE_URL, logos },
        req.actor,
        req.params.id!,
        req.ifMatch,
        req.requestId,
      ).then(ok(200))
    ),
    'GET /invoices/{id}/pdf': (req) =>
      invoicePdfLink({ ...deps, pdfRecords, documents }, req.actor, req.params.id!).then(signedLink),
    'GET /invoices/{id}/preview': (req) =>
      previewInvoice({ ...deps, logos }, req.actor, req.params.id!).then(invoiceHtml),
    'GET /invoices/{id}/e-invoice': (req) =>
      invoiceEinvoiceXml(deps, req.actor, req.params.id!, validate(einvoiceQuery, req.query).syntax).then(xml),
    'GET /credit-notes/{id}/e-invoice': (req) =>
      creditNoteEinvoiceXml(deps, req.actor, req.params.id!, validate(einvoiceQuery, req.query).syntax).then(xml),
    'PUT /invoices/{id}/associations/{type}/{targetId}': (req) => {
      const p = validate(associationParams, req.params);
      const body = validate(associationInput.partial(), req.body ?? {});
      return associateRecord(withCrm, req.actor, req.params.id!, p.type, p.targetId, req.ifMatch, body.labels).then(
        ok(200),
      );
    },
    'DELETE /invoices/{id}/associations/{type}/{targetId}': (req) => {
      const p = validate(associationParams, req.params);
      return dissociateRecord(withCrm, req.actor, req.params.id!, p.type, p.targetId, req.ifMatch).then(ok(200));
    },
    'POST /invoices/{id}/insert-snippet': (req) =>
      insertSnippet(
        { ...deps, snippets: snippetStore() },
        req.actor,
        req.params.id!,
        validate(insertSnippetInput, req.body).snippetId,
        req.ifMatch,
      ).then(ok(200)),
    ...ledgerOperations({ ...deps, documents }, show),
    ...recurringOperations({ ...withCrm, recurring: recurringStore() }, show),
    ...auditOperations({ ...deps, audit, documents }),
    ...reminderOperations(
      { ...deps, reminders: reminderStore(), mailer, publicBaseUrl: config.PUBLIC_BASE_URL, logos },
      show,
    ),
  },
  { idempotency: () => app().idempotency },
);
