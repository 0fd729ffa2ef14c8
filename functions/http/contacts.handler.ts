import { recordUseCases } from '../../domain/crm/record-use-cases.js';
import { contactFields, contactInput, type Contact, type ContactInput } from '../../domain/crm/records.js';
import { linkedRecordHooks } from '../../domain/crm/sales-record-rules.js';
import { crm } from '../crm-wiring.js';
import { app } from '../wiring.js';
import { crmHandler } from './crm-routes.js';
import { presentInvoice } from './presenters.js';

const { config, deps } = app();
const invoiceDeps = { invoices: deps.invoices, links: crm().links, clock: deps.clock };

export const handler = crmHandler({
  collection: 'contacts',
  useCases: recordUseCases<Contact, ContactInput>(
    'contact',
    contactFields,
    linkedRecordHooks<Contact>(invoiceDeps, 'contact'),
  ),
  deps: { store: deps.contacts, clock: deps.clock, ids: deps.ids },
  createInput: contactInput,
  updateInput: contactInput,
  invoices: { kind: 'contact', deps: invoiceDeps, present: (i) => presentInvoice(i, config.PUBLIC_BASE_URL) },
  options: { idempotency: () => app().idempotency },
});
