import type * as z from 'zod';
import { listRecordInvoices, type RecordInvoiceDeps } from '../../domain/crm/record-invoices.js';
import { recordUseCases, type RecordDeps } from '../../domain/crm/record-use-cases.js';
import type { CrmRecord } from '../../domain/crm/records.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { LinkedKind } from '../../domain/ports.js';
import { httpHandler } from './http-handler.js';
import type { HandlerOptions } from './http-handler.js';
import type { Operation } from './http-types.js';
import { presentPage, presentRecord } from './presenters.js';
import { parseLimit, validate } from './request.js';

type CrmRoutes<T extends CrmRecord, I extends object> = {
  collection: string;
  useCases: ReturnType<typeof recordUseCases<T, I>>;
  deps: RecordDeps<T>;
  createInput: z.ZodType<I>;
  updateInput: z.ZodType<Partial<I>>;
  /** For records invoices name: `GET /{collection}/{id}/invoices`, presented as the invoices API does. */
  invoices?: { kind: LinkedKind; deps: RecordInvoiceDeps; present: (i: Invoice) => unknown };
};

/** The CRUD routes of one CRM record kind at `/{collection}` (and its invoices, if invoices name it). */
export function crmOperations<T extends CrmRecord, I extends object>(p: CrmRoutes<T, I>): Record<string, Operation> {
  const { useCases: uc, deps } = p;
  const base = `/${p.collection}`;
  const ops: Record<string, Operation> = {
    [`POST ${base}`]: async (req) => ({
      status: 201,
      body: presentRecord(await uc.create(deps, req.actor, validate(p.createInput, req.body))),
    }),
    [`GET ${base}`]: async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await uc.list(deps, req.actor, limit, after), presentRecord) };
    },
    [`GET ${base}/{id}`]: async (req) => ({
      status: 200,
      body: presentRecord(await uc.get(deps, req.actor, req.params.id!)),
    }),
    [`PATCH ${base}/{id}`]: async (req) => ({
      status: 200,
      body: presentRecord(
        await uc.update(deps, req.actor, req.params.id!, validate(p.updateInput, req.body), req.ifMatch),
      ),
    }),
    [`DELETE ${base}/{id}`]: async (req) => {
      await uc.remove(deps, req.actor, req.params.id!, req.ifMatch);
      return { status: 204 };
    },
  };
  const invoices = p.invoices;
  if (invoices) {
    ops[`GET ${base}/{id}/invoices`] = async (req) => {
      const { limit, after } = parseLimit(req.query);
      // The record must exist in the caller's account: another account's id is a 404, never an empty list.
      const record = await uc.get(deps, req.actor, req.params.id!);
      return {
        status: 200,
        body: presentPage(
          await listRecordInvoices(invoices.deps, req.actor, invoices.kind, record.id, limit, after),
          invoices.present,
        ),
      };
    };
  }
  return ops;
}

/** One function serving one record kind. */
export function crmHandler<T extends CrmRecord, I extends object>(p: CrmRoutes<T, I> & { options?: HandlerOptions }) {
  return httpHandler(crmOperations(p), p.options);
}
