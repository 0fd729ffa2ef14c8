import type { Invoice } from '../../domain/invoices/invoice.js';
import { emptyInput } from '../../domain/invoices/invoice-input.js';
import {
  recurringCreateRequest,
  recurringPatchRequest,
  upcomingQuery,
  type RecurringInvoice,
} from '../../domain/recurring/recurring-invoice.js';
import {
  createRecurring,
  endRecurring,
  getRecurring,
  listIssuedInvoices,
  listRecurring,
  pauseRecurring,
  resumeRecurring,
  updateRecurring,
  upcomingRecurring,
  type RecurringDeps,
} from '../../domain/recurring/recurring-use-cases.js';
import type { Operation } from './http-types.js';
import { presentPage } from './presenters.js';
import { parseLimit, validate } from './request.js';

/**
 * The contract's shape of a schedule: the tenant and the job's bookkeeping (the run index, the
 * period key of its claims) stay inside.
 */
export function presentRecurring(s: RecurringInvoice) {
  const { accountId: _a, nextRunIndex: _n, lastRunIndex: _l, ...rest } = s;
  return rest;
}

/**
 * The recurring invoice operations, served by the invoices function (the routes are in
 * infra/routes.ts; the same permissions as invoices).
 */
export function recurringOperations(
  deps: RecurringDeps,
  showInvoice: (i: Invoice) => unknown,
): Record<string, Operation> {
  const ok = (status: number) => (s: RecurringInvoice) => ({ status, body: presentRecurring(s) });
  return {
    'POST /recurring-invoices': (req) =>
      createRecurring(deps, req.actor, validate(recurringCreateRequest, req.body)).then(ok(201)),
    'GET /recurring-invoices': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await listRecurring(deps, req.actor, limit, after), presentRecurring) };
    },
    'GET /recurring-invoices/{id}': (req) => getRecurring(deps, req.actor, req.params.id!).then(ok(200)),
    'PATCH /recurring-invoices/{id}': (req) =>
      updateRecurring(deps, req.actor, req.params.id!, validate(recurringPatchRequest, req.body), req.ifMatch).then(
        ok(200),
      ),
    'DELETE /recurring-invoices/{id}': async (req) => {
      await endRecurring(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 204 };
    },
    'POST /recurring-invoices/{id}/pause': (req) => (
      validate(emptyInput, req.body),
      pauseRecurring(deps, req.actor, req.params.id!, req.ifMatch).then(ok(200))
    ),
    'POST /recurring-invoices/{id}/resume': (req) => (
      validate(emptyInput, req.body),
      resumeRecurring(deps, req.actor, req.params.id!, req.ifMatch).then(ok(200))
    ),
    'GET /recurring-invoices/{id}/upcoming': async (req) => {
      const { count } = validate(upcomingQuery, req.query);
      return { status: 200, body: { results: await upcomingRecurring(deps, req.actor, req.params.id!, count) } };
    },
    'GET /recurring-invoices/{id}/invoices': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return {
        status: 200,
        body: presentPage(await listIssuedInvoices(deps, req.actor, req.params.id!, limit, after), showInvoice),
      };
    },
  };
}
