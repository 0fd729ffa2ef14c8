import { exportInput, getExport, requestExport, type ExportJob } from '../../domain/exports/invoice-exports.js';
import { INVOICE_PROPERTIES } from '../../domain/search/invoice-properties.js';
import { searchInput } from '../../domain/search/search-input.js';
import { searchRequest } from '../../domain/search/search-request.js';
import {
  createView,
  deleteView,
  getView,
  listViews,
  replaceView,
  viewInput,
  type View,
} from '../../domain/search/views.js';
import { documents } from '../s3/document-wiring.js';
import { searchIndex } from '../search-wiring.js';
import { app } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import { presentInvoice, presentPage } from './presenters.js';
import { parseLimit, validate } from './request.js';

const { config, deps } = app();
const index = searchIndex();
const searchDeps = { ...index, settings: deps.settings };
const viewDeps = { views: index.views, settings: deps.settings, clock: deps.clock, ids: deps.ids };
const exportDeps = {
  ...index,
  settings: deps.settings,
  documents: documents().documents,
  clock: deps.clock,
  ids: deps.ids,
};

function presentView(view: View) {
  const { accountId: _a, kind: _k, ...rest } = view;
  return rest;
}

function presentExport(job: ExportJob & { url?: string; expiresAt?: string }) {
  const { accountId: _a, kind: _k, fileKey: _f, ...rest } = job;
  return rest;
}

/** Search, saved views and exports: the invoice index page as an API. */
export const handler = httpHandler(
  {
    'POST /invoices/search': async (req) => {
      const found = await searchRequest(searchDeps, req.actor, validate(searchInput, req.body));
      // Chosen properties give flat rows (the index's columns); otherwise whole invoices.
      const row = found.properties
        ? (inv: Parameters<typeof presentInvoice>[0]) => ({
            id: inv.id,
            ...Object.fromEntries(found.properties!.map((p) => [p, INVOICE_PROPERTIES[p].get(inv)])),
          })
        : (inv: Parameters<typeof presentInvoice>[0]) => presentInvoice(inv, config.PUBLIC_BASE_URL);
      return { status: 200, body: presentPage({ items: found.items, next: found.next }, row) };
    },
    'POST /invoices/exports': async (req) => ({
      status: 201,
      body: presentExport(await requestExport(exportDeps, req.actor, validate(exportInput, req.body))),
    }),
    'GET /exports/{id}': async (req) => ({
      status: 200,
      body: presentExport(await getExport(exportDeps, req.actor, req.params.id!)),
    }),
    'GET /views': async (req) => {
      const { limit, after } = parseLimit(req.query);
      return { status: 200, body: presentPage(await listViews(viewDeps, req.actor, limit, after), presentView) };
    },
    'POST /views': async (req) => ({
      status: 201,
      body: presentView(await createView(viewDeps, req.actor, validate(viewInput, req.body))),
    }),
    'GET /views/{id}': async (req) => ({
      status: 200,
      body: presentView(await getView(viewDeps, req.actor, req.params.id!)),
    }),
    'PUT /views/{id}': async (req) => ({
      status: 200,
      body: presentView(
        await replaceView(viewDeps, req.actor, req.params.id!, validate(viewInput, req.body), req.ifMatch),
      ),
    }),
    'DELETE /views/{id}': async (req) => {
      await deleteView(viewDeps, req.actor, req.params.id!, req.ifMatch);
      return { status: 204 };
    },
  },
  { idempotency: () => app().idempotency },
);
