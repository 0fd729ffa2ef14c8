import type { z } from 'zod';
import { recordUseCases, type RecordDeps } from '../../domain/crm/record-use-cases.js';
import type { CrmRecord } from '../../domain/crm/records.js';
import { httpHandler } from './http-handler.js';
import type { HandlerOptions } from './http-handler.js';
import { presentPage, presentRecord } from './presenters.js';
import { parseLimit, validate } from './request.js';

/** The five CRUD routes of one CRM record kind, at `/{collection}`. */
export function crmHandler<T extends CrmRecord, I extends object>(p: {
  collection: string;
  useCases: ReturnType<typeof recordUseCases<T, I>>;
  deps: RecordDeps<T>;
  createInput: z.ZodType<I>;
  updateInput: z.ZodType<Partial<I>>;
  options?: HandlerOptions;
}) {
  const { useCases: uc, deps } = p;
  const base = `/${p.collection}`;
  return httpHandler(
    {
      [`POST ${base}`]: async (req) => ({ status: 201, body: presentRecord(await uc.create(deps, req.actor, validate(p.createInput, req.body))) }),
      [`GET ${base}`]: async (req) => {
        const { limit, after } = parseLimit(req.query);
        return { status: 200, body: presentPage(await uc.list(deps, req.actor, limit, after), presentRecord) };
      },
      [`GET ${base}/{id}`]: async (req) => ({ status: 200, body: presentRecord(await uc.get(deps, req.actor, req.params.id!)) }),
      [`PATCH ${base}/{id}`]: async (req) => ({
        status: 200,
        body: presentRecord(await uc.update(deps, req.actor, req.params.id!, validate(p.updateInput, req.body), req.ifMatch)),
      }),
      [`DELETE ${base}/{id}`]: async (req) => {
        await uc.remove(deps, req.actor, req.params.id!, req.ifMatch);
        return { status: 204 };
      },
    },
    p.options,
  );
}
