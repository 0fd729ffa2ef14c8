import { recordUseCases } from '../../domain/crm/record-use-cases.js';
import { companyCreateInput, companyFields, companyInput, type Company, type CompanyInput } from '../../domain/crm/records.js';
import { app } from '../wiring.js';
import { crmHandler } from './crm-routes.js';

const { deps } = app();

export const handler = crmHandler({
  collection: 'companies',
  useCases: recordUseCases<Company, CompanyInput>('company', companyFields),
  deps: { store: deps.companies, clock: deps.clock, ids: deps.ids },
  createInput: companyCreateInput,
  updateInput: companyInput,
  options: { idempotency: () => app().idempotency },
});
