import { DateTime } from 'luxon';
import { addDays, isCalendarDate, startOfDayInstant } from '../dates/calendar.js';
import { validationError, type FieldError } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { MAX_METADATA_KEY_LENGTH, MAX_METADATA_VALUE_LENGTH } from '../shared/metadata.js';
import {
  ORDERED_TYPES,
  isProperty,
  numberSortKey,
  propertyDef,
  type InvoiceProperty,
  type PropertyType,
} from './invoice-properties.js';
import type { FilterGroupInput, FilterInput, Operator, SortInput } from './search-input.js';

/** A bound on an index's sort value (inclusive; a superset is fine, every candidate is tested again). */
export type KeyRange = { lo?: string; hi?: string };

/**
 * A filter made ready to run: `test` decides whether an invoice matches; `keyValues` and
 * `keyRange` say what an index keyed by this property may narrow its read to (search-plan.ts).
 */
export type CompiledFilter = {
  property: InvoiceProperty | `metadata.${string}`;
  /** Set on a `metadata.<key>` filter: the key (search-plan.ts reads its values from the metadata links). */
  metadataKey?: string;
  operator: Operator;
  test: (invoice: Invoice) => boolean;
  keyValues?: string[];
  keyRange?: KeyRange;
};
export type CompiledGroup = { filters: CompiledFilter[]; test: (invoice: Invoice) => boolean };
export type CompiledSort = { property: InvoiceProperty; descending: boolean };

const OPERATORS_BY_TYPE: Record<PropertyType, readonly Operator[]> = {
  string: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN'],
  enum: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  boolean: ['EQ', 'NEQ', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  date: ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  instant: ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  money: ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  integer: ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
  invoiceNumber: [
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
  ],
  idList: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'],
};

const NEEDS_VALUE: readonly Operator[] = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'CONTAINS_TOKEN'];
const NEEDS_VALUES: readonly Operator[] = ['IN', 'NOT_IN'];

/**
 * A typed filter value. Values are compared as plain strings or numbers: dates as `YYYY-MM-DD`,
 * instants as epoch milliseconds (or as a calendar day in the account's zone when a date is given),
 * invoice numbers by their sort key.
 */
type Operand =
  | { kind: 'string'; s: string }
  | { kind: 'number'; n: number }
  | { kind: 'boolean'; b: boolean }
  | { kind: 'day'; date: string }
  | { kind: 'instant'; ms: number };

class BadValue extends Error {}

function parseOperand(
  type: PropertyType,
  raw: string | number | boolean,
  values: readonly string[] | undefined,
): Operand {
  switch (type) {
    case 'boolean':
      if (raw === true || raw === 'true') return { kind: 'boolean', b: true };
      if (raw === false || raw === 'false') return { kind: 'boolean', b: false };
      throw new BadValue('must be true or false');
    case 'money':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d{1,15}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n))
        throw new BadValue(type === 'money' ? 'must be a whole number of minor units' : 'must be a whole number');
      return { kind: 'number', n };
    }
    case 'date':
      if (typeof raw !== 'string' || !isCalendarDate(raw)) throw new BadValue('must be a date (YYYY-MM-DD)');
      return { kind: 'string', s: raw };
    case 'instant': {
      if (typeof raw === 'string' && isCalendarDate(raw)) return { kind: 'day', date: raw };
      const ms =
        typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw)
          ? DateTime.fromISO(raw, { setZone: true }).toMillis()
          : NaN;
      if (!Number.isFinite(ms)) throw new BadValue('must be an ISO 8601 instant or a date (YYYY-MM-DD)');
      return { kind: 'instant', ms };
    }
    case 'invoiceNumber':
      if (typeof raw !== 'string') throw new BadValue('must be a string');
      return { kind: 'string', s: numberSortKey(raw) };
    case 'enum':
      if (typeof raw !== 'string' || !values!.includes(raw)) throw new BadValue(`must be one of ${values!.join(', ')}`);
      return { kind: 'string', s: raw };
    default:
      if (typeof raw !== 'string') throw new BadValue('must be a string');
      return { kind: 'string', s: raw };
  }
}

/** -1, 0 or 1 comparing a stored value with an operand; null where they cannot be compared (no value). */
function compare(type: PropertyType, stored: unknown, operand: Operand, zone: string): number | null {
  if (stored === null || stored === undefined) return null;
  const sign = (d: number) => (d < 0 ? -1 : d > 0 ? 1 : 0);
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  switch (operand.kind) {
    case 'number':
      return sign((stored as number) - operand.n);
    case 'boolean':
      return stored === operand.b ? 0 : 1;
    case 'day':
      return text(
        DateTime.fromISO(stored as string, { zone: 'utc' })
          .setZone(zone)
          .toISODate()!,
        operand.date,
      );
    case 'instant':
      return sign(DateTime.fromISO(stored as string, { zone: 'utc' }).toMillis() - operand.ms);
    case 'string':
      return text(type === 'invoiceNumber' ? numberSortKey(stored as string) : (stored as string), operand.s);
  }
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Every word of the pattern matches a word of the value; `*` stands for any run of characters. */
function containsTokens(stored: unknown, pattern: string): boolean {
  if (typeof stored !== 'string') return false;
  const have = words(stored);
  const want = pattern.toLowerCase().match(/[\p{L}\p{N}*]+/gu) ?? [];
  if (want.length === 0) return false;
  return want.every((w) => {
    const re = new RegExp(
      `^${w
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'u',
    );
    return have.some((h) => re.test(h));
  });
}

const present = (v: unknown) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);

/** The index-side bound of an operand, in the sort-value space of the property. */
function keyOf(operand: Operand, zone: string, end: 'lo' | 'hi'): string | undefined {
  if (operand.kind === 'string') return operand.s;
  if (operand.kind === 'day') return startOfDayInstant(end === 'lo' ? operand.date : addDays(operand.date, 1), zone);
  if (operand.kind === 'instant') {
    // Stored instants have whole seconds; widen to the second around the operand.
    const second = Math.floor(operand.ms / 1000) * 1000;
    return new Date(end === 'lo' ? second : second + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return undefined;
}

/**
 * `metadata.<key>` with EQ or IN: exact values of one metadata key, which the search reads from
 * the metadata links (an item per invoice, key and value) rather than from any scan.
 */
function compileMetadataFilter(f: FilterInput, path: string, errors: FieldError[]): CompiledFilter | null {
  const key = f.propertyName.slice(METADATA_PREFIX.length);
  if (!key || key.length > MAX_METADATA_KEY_LENGTH) {
    errors.push({
      path: `${path}.propertyName`,
      message: `must name a metadata key of 1 to ${MAX_METADATA_KEY_LENGTH} characters`,
    });
    return null;
  }
  if (f.operator !== 'EQ' && f.operator !== 'IN') {
    errors.push({ path: `${path}.operator`, message: `${f.operator} does not apply to metadata (use EQ, IN)` });
    return null;
  }
  const raw = f.operator === 'EQ' ? (f.value === undefined ? undefined : [f.value]) : f.values;
  const at = f.operator === 'EQ' ? 'value' : 'values';
  if (raw === undefined) {
    errors.push({ path: `${path}.${at}`, message: `is required with ${f.operator}` });
    return null;
  }
  const bad = raw.findIndex((v) => typeof v !== 'string' || v === '' || v.length > MAX_METADATA_VALUE_LENGTH);
  if (bad >= 0) {
    errors.push({
      path: f.operator === 'EQ' ? `${path}.value` : `${path}.values.${bad}`,
      message: `must be a string of 1 to ${MAX_METADATA_VALUE_LENGTH} characters`,
    });
    return null;
  }
  const values = raw as string[];
  return {
    property: `metadata.${key}`,
    operator: f.operator,
    metadataKey: key,
    keyValues: values,
    test: (i) => i.metadata !== undefined && Object.hasOwn(i.metadata, key) && values.includes(i.metadata[key]!),
  };
}

const METADATA_PREFIX = 'metadata.';

function compileFilter(f: FilterInput, path: string, zone: string, errors: FieldError[]): CompiledFilter | null {
  if (f.propertyName.startsWith(METADATA_PREFIX)) return compileMetadataFilter(f, path, errors);
  if (!isProperty(f.propertyName)) {
    errors.push({
      path: `${path}.propertyName`,
      message: `is not an invoice property: ${f.propertyName.slice(0, 100)}`,
    });
    return null;
  }
  const property = f.propertyName;
  const def = propertyDef(property);
  if (!OPERATORS_BY_TYPE[def.type].includes(f.operator)) {
    errors.push({
      path: `${path}.operator`,
      message: `${f.operator} does not apply to ${property} (use ${OPERATORS_BY_TYPE[def.type].join(', ')})`,
    });
    return null;
  }
  const operand = (raw: unknown, at: string): Operand | null => {
    if (raw === undefined) {
      errors.push({ path: `${path}.${at}`, message: `is required with ${f.operator}` });
      return null;
    }
    try {
      return parseOperand(def.type, raw as string | number | boolean, def.values);
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      errors.push({ path: `${path}.${at}`, message: e.message });
      return null;
    }
  };
  const op = f.operator;
  const get = def.get;
  const list = def.type === 'idList';
  // `keyed` values (exact, for EQ/IN) and ranges are what an index on this property can narrow to.
  const keyed = (ops: Operand[]) => ops.map((o) => keyOf(o, zone, 'lo')).filter((k): k is string => k !== undefined);

  if (op === 'HAS_PROPERTY') return { property, operator: op, test: (i) => present(get(i)) };
  if (op === 'NOT_HAS_PROPERTY') return { property, operator: op, test: (i) => !present(get(i)) };
  if (NEEDS_VALUES.includes(op)) {
    if (!f.values) {
      errors.push({ path: `${path}.values`, message: `is required with ${op}` });
      return null;
    }
    const ops = f.values.map((v, k) => operand(v, `values.${k}`));
    if (ops.some((o) => o === null)) return null;
    const operands = ops as Operand[];
    const inAny = (i: Invoice) => {
      const v = get(i);
      const items = list ? (v as string[]) : [v];
      return items.some((item) => operands.some((o) => compare(def.type, item, o, zone) === 0));
    };
    return op === 'IN'
      ? {
          property,
          operator: op,
          test: inAny,
          ...(operands.every((o) => o.kind === 'string') ? { keyValues: keyed(operands) } : {}),
        }
      : { property, operator: op, test: (i) => !inAny(i) };
  }
  if (!NEEDS_VALUE.includes(op)) return null;
  const a = operand(f.value, 'value');
  if (op === 'CONTAINS_TOKEN')
    return a && { property, operator: op, test: (i) => containsTokens(get(i), String(f.value)) };
  const b = op === 'BETWEEN' ? operand(f.highValue, 'highValue') : null;
  if (!a || (op === 'BETWEEN' && !b)) return null;
  const cmp = (i: Invoice) => compare(def.type, get(i), a, zone);
  switch (op) {
    case 'EQ':
      if (list)
        return {
          property,
          operator: op,
          test: (i) => (get(i) as string[]).some((x) => compare(def.type, x, a, zone) === 0),
          ...(a.kind === 'string' ? { keyValues: [a.s] } : {}),
        };
      return {
        property,
        operator: op,
        test: (i) => cmp(i) === 0,
        ...(a.kind === 'string'
          ? { keyValues: [a.s] }
          : { keyRange: { lo: keyOf(a, zone, 'lo'), hi: keyOf(a, zone, 'hi') } }),
      };
    case 'NEQ':
      if (list)
        return {
          property,
          operator: op,
          test: (i) => !(get(i) as string[]).some((x) => compare(def.type, x, a, zone) === 0),
        };
      return { property, operator: op, test: (i) => cmp(i) !== 0 };
    case 'LT':
    case 'LTE':
      return {
        property,
        operator: op,
        test: (i) => {
          const c = cmp(i);
          return c !== null && (op === 'LT' ? c < 0 : c <= 0);
        },
        keyRange: { hi: keyOf(a, zone, 'hi') },
      };
    case 'GT':
    case 'GTE':
      return {
        property,
        operator: op,
        test: (i) => {
          const c = cmp(i);
          return c !== null && (op === 'GT' ? c > 0 : c >= 0);
        },
        keyRange: { lo: keyOf(a, zone, 'lo') },
      };
    case 'BETWEEN':
      return {
        property,
        operator: op,
        test: (i) => {
          const lo = cmp(i);
          const hi = compare(def.type, get(i), b!, zone);
          return lo !== null && hi !== null && lo >= 0 && hi <= 0;
        },
        keyRange: { lo: keyOf(a, zone, 'lo'), hi: keyOf(b!, zone, 'hi') },
      };
  }
  return null;
}

/**
 * Checks filter groups against the property catalog and turns them into predicates: groups are
 * ORed, filters in a group ANDed. No group matches every invoice. Every problem is reported at
 * once, each naming its field (`filterGroups.0.filters.1.operator`).
 */
export function compileSearch(
  groups: FilterGroupInput[] | undefined,
  sorts: SortInput[] | undefined,
  zone: string,
  where = '',
): { groups: CompiledGroup[]; sort: CompiledSort } {
  const errors: FieldError[] = [];
  const at = (p: string) => [where, p].filter(Boolean).join('.');
  const compiled = (groups ?? []).map((g, gi) => {
    const filters = g.filters
      .map((f, fi) => compileFilter(f, at(`filterGroups.${gi}.filters.${fi}`), zone, errors))
      .filter((f): f is CompiledFilter => f !== null);
    return { filters, test: (i: Invoice) => filters.every((f) => f.test(i)) };
  });
  const sortIn = sorts?.[0];
  let sort: CompiledSort = { property: 'createdAt', descending: true };
  if (sortIn) {
    if (!isProperty(sortIn.propertyName) || !ORDERED_TYPES.includes(propertyDef(sortIn.propertyName).type)) {
      errors.push({
        path: at('sorts.0.propertyName'),
        message: `cannot sort by ${sortIn.propertyName.slice(0, 100)}: sort by a date, the number or an amount`,
      });
    } else {
      sort = { property: sortIn.propertyName, descending: sortIn.direction === 'DESCENDING' };
    }
  }
  if (errors.length)
    throw validationError(
      `The search has ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${errors
        .slice(0, 3)
        .map((e) => e.path)
        .join(', ')}`,
      errors,
    );
  return { groups: compiled.length ? compiled : [{ filters: [], test: () => true }], sort };
}

/** Unknown column names are refused, naming each (`properties.3`). */
export function checkProperties(properties: string[] | undefined, where = 'properties'): InvoiceProperty[] | undefined {
  if (!properties) return undefined;
  const errors = properties.flatMap((p, k) =>
    isProperty(p) ? [] : [{ path: `${where}.${k}`, message: `is not an invoice property: ${p.slice(0, 100)}` }],
  );
  if (errors.length)
    throw validationError(
      `Unknown propert${errors.length === 1 ? 'y' : 'ies'}: ${errors.map((e) => e.path).join(', ')}`,
      errors,
    );
  return [...new Set(properties)] as InvoiceProperty[];
}
