import { recordUseCases } from '../../domain/crm/record-use-cases.js';
import { contactFields, contactInput, type Contact, type ContactInput } from '../../domain/crm/records.js';
import { app } from '../wiring.js';
import { crmHandler } from './crm-routes.js';

const { deps } = app();

export const handler = crmHandler({
  collection: 'contacts',
  useCases: recordUseCases<Contact, ContactInput>('contact', contactFields),
  deps: { store: deps.contacts, clock: deps.clock, ids: deps.ids },
  createInput: contactInput,
  updateInput: contactInput,
  options: { idempotency: () => app().idempotency },
});
