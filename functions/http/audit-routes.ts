import { chainPage, invoiceHistory, verifyChain, type AuditDeps } from '../../domain/audit/audit-use-cases.js';
import type { Operation } from './http-types.js';
import { presentChainEntry, presentHistoryEntry, presentPage } from './presenters.js';
import { parseLimit } from './request.js';

/** The history and audit chain operations, served by the invoices function (routes in infra/routes.ts). */
export function auditOperations(deps: AuditDeps): Record<string, Operation> {
  return {
    'GET /invoices/{id}/history': async (req) => {
      const { limit, after } = parseLimit(req.query);
      const page = await invoiceHistory(deps, req.actor, req.params.id!, limit, after);
      return { status: 200, body: presentPage(page, presentHistoryEntry) };
    },
    'GET /audit/chain': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await chainPage(deps, req.actor, limit, after), presentChainEntry) };
    },
    'GET /audit/verify': async (req) => ({ status: 200, body: await verifyChain(deps, req.actor) }),
  };
}
