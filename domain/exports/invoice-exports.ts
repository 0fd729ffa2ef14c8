import * as z from 'zod';
import type { Actor } from '../auth/actor.js';
import type { Versioned } from '../crm/records.js';
import { toInstant } from '../dates/calendar.js';
import { DomainError, notFound } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import type { Clock, DocumentStore, IdGenerator, RecordStore } from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { checkProperties, compileSearch } from '../search/compile-filters.js';
import type { InvoiceProperty } from '../search/invoice-properties.js';
import { filterGroupsInput, propertiesInput, sortsInput } from '../search/search-input.js';
import { searchInvoices, type SearchDeps } from '../search/search-invoices.js';
import { getView, type View } from '../search/views.js';
import { exportColumns, exportRow, type ExportCell } from './export-rows.js';
import { loadRichText } from '../invoices/rich-text.js';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `POST /invoices/exports`: a view's filters, columns and sort apply unless the body gives its own. */
export const exportInput = z.strictObject({
  format: z.enum(EXPORT_FORMATS),
  filterGroups: filterGroupsInput.optional(),
  properties: propertiesInput.optional(),
  sorts: sortsInput.optional(),
  viewId: z.string().min(1).max(64).optional(),
});
export type ExportInput = z.infer<typeof exportInput>;

/** An export job: queued by the request, run by the export function (from the table's stream). */
export type ExportJob = Versioned & {
  kind: 'export';
  owner: string;
  format: ExportFormat;
  filterGroups: NonNullable<ExportInput['filterGroups']>;
  properties: InvoiceProperty[];
  sorts: NonNullable<ExportInput['sorts']>;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** Rows written so far (running) or in the file (done). */
  count: number;
  fileKey: string | null;
  error: string | null;
  finishedAt: string | null;
};

/** Builds the file (functions/exports/export-files.ts): RFC 4180 CSV or an XLSX workbook. */
export interface ExportFileBuilder {
  build(
    format: ExportFormat,
    columns: InvoiceProperty[],
    rows: ExportCell[][],
  ): Promise<{ body: Uint8Array; contentType: string }>;
}

export type ExportDeps = SearchDeps & {
  exports: RecordStore<ExportJob>;
  views: RecordStore<View>;
  documents: DocumentStore;
  files: ExportFileBuilder;
  clock: Clock;
  ids: IdGenerator;
};

/** Progress is written every this many rows, not every page, to keep the job's writes few. */
const PROGRESS_EVERY = 1000;
/** The download link's life: the contract's 15-minute ceiling. */
export const EXPORT_LINK_SECONDS = 900;

export const exportFileKey = (job: Pick<ExportJob, 'accountId' | 'id' | 'format'>) =>
  `exports/${job.accountId}/${job.id}.${job.format}`;

export async function requestExport(
  deps: Pick<ExportDeps, 'exports' | 'views' | 'settings' | 'clock' | 'ids'>,
  actor: Actor,
  input: ExportInput,
): Promise<ExportJob> {
  const view = input.viewId ? await getView(deps, actor, input.viewId) : null;
  const filterGroups = input.filterGroups ?? view?.filterGroups ?? [];
  const sorts = input.sorts ?? view?.sorts ?? [];
  const { timeZone } = await getSettings(deps, actor.accountId);
  compileSearch(filterGroups, sorts, timeZone);
  const properties = exportColumns(checkProperties(input.properties ?? view?.properties ?? undefined));
  const now = toInstant(deps.clock.now());
  return deps.exports.create({
    id: deps.ids.id('exp'),
    accountId: actor.accountId,
    kind: 'export',
    owner: actor.userId,
    format: input.format,
    filterGroups,
    properties,
    sorts,
    status: 'queued',
    count: 0,
    fileKey: null,
    error: null,
    finishedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
}

/** The job as it stands; once done, with a fresh signed link to the file. */
export async function getExport(
  deps: Pick<ExportDeps, 'exports' | 'documents'>,
  actor: Actor,
  id: string,
): Promise<ExportJob & { url?: string; expiresAt?: string }> {
  const job = await deps.exports.get(actor.accountId, id);
  if (!job) throw notFound('Export', id);
  if (job.status !== 'done' || !job.fileKey) return job;
  const link = await deps.documents.signedUrl(job.fileKey, EXPORT_LINK_SECONDS, {
    filename: `invoices-${job.createdAt.slice(0, 10)}.${job.format}`,
  });
  return { ...job, ...link };
}

/**
 * Runs a queued export: every page of the search, then the file to S3, then `done`. A replayed
 * stream record finds the job done (or failed) and does nothing; a retried one finds it `running`
 * and starts over, which is safe since only the last write of the file counts. A search that can
 * never run (too many invoices to sort in memory) fails the job with its reason; anything else
 * is thrown, so the stream retries it.
 */
export async function runExport(deps: ExportDeps, accountId: string, id: string): Promise<ExportJob | null> {
  // Comments become plain text in the file.
  await loadRichText();
  let job = await deps.exports.get(accountId, id);
  if (!job || job.status === 'done' || job.status === 'failed') return job;
  const save = async (changes: Partial<ExportJob>) => {
    job = await deps.exports.replace(job!, {
      ...job!,
      ...changes,
      version: job!.version + 1,
      updatedAt: toInstant(deps.clock.now()),
    });
  };
  await save({ status: 'running', count: 0 });
  const actor: Actor = { userId: job.owner, accountId, superAdmin: false, permissions: ['invoices:read'] };
  const rows: ExportCell[][] = [];
  try {
    let after: string | undefined;
    let reported = 0;
    do {
      const page: { items: Invoice[]; next: string | null } = await searchInvoices(deps, actor, {
        filterGroups: job.filterGroups,
        sorts: job.sorts,
        limit: 100,
        after,
      });
      rows.push(...page.items.map((inv) => exportRow(inv, job!.properties)));
      after = page.next ?? undefined;
      if (rows.length - reported >= PROGRESS_EVERY) {
        reported = rows.length;
        await save({ count: rows.length });
      }
    } while (after);
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== 'validation') throw e;
    await save({ status: 'failed', error: e.message, finishedAt: toInstant(deps.clock.now()) });
    return job;
  }
  const file = await deps.files.build(job.format, job.properties, rows);
  const fileKey = exportFileKey(job);
  await deps.documents.put(fileKey, file.body, file.contentType);
  await save({ status: 'done', count: rows.length, fileKey, finishedAt: toInstant(deps.clock.now()) });
  return job;
}
