import { recordUseCases } from '../../domain/crm/record-use-cases.js';
import {
  companyCreateInput,
  companyFields,
  companyInput,
  type Company,
  type CompanyInput,
} from '../../domain/crm/records.js';
import { linkedRecordHooks } from '../../domain/crm/sales-record-rules.js';
import { crm } from '../crm-wiring.js';
import { app } from '../wiring.js';
import { crmHandler } from './crm-routes.js';
import { presentInvoice } from './presenters.js';

const { config, deps } = app();
const invoiceDeps = { invoices: deps.invoices, links: crm().links, clock: deps.clock };

export const handler = crmHandler({
  collection: 'companies',
  useCases: recordUseCases<Company, CompanyInput>(
    'company',
    companyFields,
    linkedRecordHooks<Company>(invoiceDeps, 'company'),
  ),
  deps: { store: deps.companies, clock: deps.clock, ids: deps.ids },
  createInput: companyCreateInput,
  updateInput: companyInput,
  invoices: { kind: 'company', deps: invoiceDeps, present: (i) => presentInvoice(i, config.PUBLIC_BASE_URL) },
  options: { idempotency: () => app().idempotency },
});
