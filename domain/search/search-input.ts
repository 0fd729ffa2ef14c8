import * as z from 'zod';

/** The operators of the contract (API.md), HubSpot's CRM search names. */
export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** HubSpot's limits: five groups of at most six filters; one sort. */
export const MAX_FILTER_GROUPS = 5;
export const MAX_FILTERS_PER_GROUP = 6;
export const MAX_IN_VALUES = 100;
export const MAX_PROPERTIES = 60;

const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

export const filterInput = z.strictObject({
  propertyName: z.string().min(1).max(100),
  operator: z.enum(OPERATORS),
  value: scalar.optional(),
  values: z.array(scalar).min(1).max(MAX_IN_VALUES).optional(),
  highValue: scalar.optional(),
});
export type FilterInput = z.infer<typeof filterInput>;

export const filterGroupsInput = z
  .array(z.strictObject({ filters: z.array(filterInput).min(1).max(MAX_FILTERS_PER_GROUP) }))
  .max(MAX_FILTER_GROUPS);
export type FilterGroupInput = z.infer<typeof filterGroupsInput>[number];

export const sortsInput = z
  .array(
    z.strictObject({
      propertyName: z.string().min(1).max(100),
      direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
    }),
  )
  .max(1, 'sort by one property at most');
export type SortInput = z.infer<typeof sortsInput>[number];

export const propertiesInput = z.array(z.string().min(1).max(100)).min(1).max(MAX_PROPERTIES);

/** `POST /invoices/search`. A saved view's filters, sort and columns apply unless the body gives its own. */
export const searchInput = z.strictObject({
  filterGroups: filterGroupsInput.optional(),
  sorts: sortsInput.optional(),
  properties: propertiesInput.optional(),
  limit: z.int().min(1).max(100).default(20),
  after: z.string().min(1).max(2000).optional(),
  viewId: z.string().min(1).max(64).optional(),
});
export type SearchInput = z.infer<typeof searchInput>;
