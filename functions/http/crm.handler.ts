import { recordUseCases } from '../../domain/crm/record-use-cases.js';
import { dealHooks, quoteHooks } from '../../domain/crm/sales-record-rules.js';
import {
  dealCreateInput,
  dealFields,
  dealInput,
  productCreateInput,
  productFields,
  productInput,
  quoteCreateInput,
  quoteFields,
  quoteInput,
  type Deal,
  type DealInput,
  type Product,
  type ProductInput,
  type Quote,
  type QuoteInput,
} from '../../domain/crm/sales-records.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { crm as crmAdapters } from '../crm-wiring.js';
import { app } from '../wiring.js';
import { crmOperations } from './crm-routes.js';
import { httpHandler } from './http-handler.js';
import { presentInvoice } from './presenters.js';

/** Deals, quotes and products: one function for the sales records invoices are made from. */
const { config, deps } = app();
const crm = crmAdapters();
const invoiceDeps = { invoices: deps.invoices, links: crm.links, clock: deps.clock };
const salesDeps = {
  contacts: deps.contacts,
  companies: deps.companies,
  deals: crm.deals,
  products: crm.products,
  ids: deps.ids,
};
const base = { clock: deps.clock, ids: deps.ids };
const present = (i: Invoice) => presentInvoice(i, config.PUBLIC_BASE_URL);

export const handler = httpHandler(
  {
    ...crmOperations({
      collection: 'deals',
      useCases: recordUseCases<Deal, DealInput>('deal', dealFields, dealHooks(salesDeps, invoiceDeps)),
      deps: { ...base, store: crm.deals },
      createInput: dealCreateInput,
      updateInput: dealInput,
      invoices: { kind: 'deal', deps: invoiceDeps, present },
    }),
    ...crmOperations({
      collection: 'quotes',
      useCases: recordUseCases<Quote, QuoteInput>('quote', quoteFields, quoteHooks(salesDeps, invoiceDeps)),
      deps: { ...base, store: crm.quotes },
      createInput: quoteCreateInput,
      updateInput: quoteInput,
      invoices: { kind: 'quote', deps: invoiceDeps, present },
    }),
    ...crmOperations({
      collection: 'products',
      useCases: recordUseCases<Product, ProductInput>('product', productFields),
      deps: { ...base, store: crm.products },
      createInput: productCreateInput,
      updateInput: productInput,
    }),
  },
  { idempotency: () => app().idempotency },
);
