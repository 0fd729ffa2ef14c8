import fc from 'fast-check';
import { z } from 'zod';

/**
 * fast-check arbitraries from the request schemas. There is no maintained zod 4 → fast-check
 * library, so this walks the JSON Schema that `z.toJSONSchema` makes of a route's body (the same
 * document OpenAPI serves) and generates values for it. JSON Schema loses zod's refinements
 * (currency codes, calendar dates, locales, "a discount may not exceed the price"), so `HINTS`
 * supplies generators for those fields by property name, and `validBody` keeps only the values
 * the zod schema itself accepts: the schema, not this file, decides what is valid.
 */

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  default?: unknown;
};

// Mostly ordinary years, sometimes the ends of YYYY (due dates 90 days after 9999-12-31 once had none).
const year = fc.oneof(
  { arbitrary: fc.integer({ min: 1990, max: 2099 }), weight: 8 },
  { arbitrary: fc.constantFrom(1, 9999), weight: 1 },
);
const date = fc
  .record({ y: year, m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
  .map(({ y, m, d }) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
const instant = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const fourPlaces = (min: number, max: number) =>
  fc.integer({ min: min * 10_000, max: max * 10_000 }).map((n) => n / 10_000);

/**
 * Generators for fields whose rules JSON Schema cannot say, keyed by property name. A new field
 * with a refinement needs an entry here only if valid values are too rare to find by chance.
 */
export const HINTS: Record<string, fc.Arbitrary<unknown>> = {
  currency: fc.constantFrom('USD', 'EUR', 'JPY', 'GBP', 'BHD', 'CHF'),
  invoiceDate: date,
  dueDate: fc.option(date),
  expiresOn: fc.option(date),
  // A recurring invoice's schedule (no date at all is valid by chance: every run would stall).
  startDate: date,
  endDate: fc.option(date),
  paidAt: fc.oneof(date, instant),
  country: fc.constantFrom('US', 'NL', 'DE', 'JP', 'BR'),
  shippingCountries: fc.uniqueArray(fc.constantFrom('US', 'NL', 'DE', 'JP', 'BR'), { maxLength: 5 }),
  timeZone: fc.constantFrom('America/New_York', 'Europe/Amsterdam', 'Asia/Tokyo', 'UTC', 'Pacific/Chatham'),
  locale: fc.constantFrom('en-US', 'nl-NL', 'de-DE', 'fr-FR', 'ja-JP'),
  defaultLocale: fc.constantFrom('en-US', 'nl-NL', 'de-DE', 'fr-FR', 'ja-JP'),
  quantity: fourPlaces(0.0001, 1000),
  taxRate: fc.option(fourPlaces(0, 100)),
  email: fc.option(fc.emailAddress().filter((e) => e.length <= 254)),
};

/** Strings worth sending anywhere free text goes: control characters, lone surrogates, RTL, markup. */
export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({
      unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 4,
    }),
    fc.constantFrom(
      '\u0000',
      '\u202e\u0645abc',
      '\ufeff',
      '👩‍👩‍👧‍👦',
      'a\u0301',
      '<script>x</script>',
      '# %00 ../..',
      '  ',
      '\n\t',
      'ÿ'.repeat(10),
    ),
  );

function refTarget(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  const target = m ? root.$defs?.[m[1]!] : ref === '#' ? root : undefined;
  if (!target) throw new Error(`schema-arbitrary: cannot follow $ref ${ref}`);
  return target;
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-4) : undefined);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-4) : undefined);
  if (integer) {
    const lo = Math.max(min ?? -1_000_000, Number.MIN_SAFE_INTEGER);
    const hi = Math.min(max ?? 1_000_000, Number.MAX_SAFE_INTEGER);
    // Bounds are where off-by-one bugs live: give them a fair share.
    return fc.oneof(
      { arbitrary: fc.integer({ min: lo, max: hi }), weight: 4 },
      { arbitrary: fc.constantFrom(lo, hi), weight: 1 },
    );
  }
  return fourPlaces(Math.max(min ?? -1000, -1e6), Math.min(max ?? 1000, 1e6));
}

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'date-time') return instant;
  if (s.pattern) {
    // Patterns with look-aheads are beyond fc.stringMatching; the pattern still filters.
    const re = new RegExp(s.pattern);
    const base = s.pattern.includes('(?=')
      ? fc.string({ unit: fc.constantFrom(...'abc-.123'), minLength: 3, maxLength: 20 }).map((x) => `${x}.example.com`)
      : fc.stringMatching(re);
    return base.filter((x) => re.test(x) && x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? Infinity));
  }
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 60, 60);
  return fc.oneof(
    { arbitrary: fc.string({ minLength, maxLength }), weight: 3 },
    { arbitrary: nastyString(maxLength).filter((x) => x.length >= minLength && x.length <= maxLength), weight: 1 },
  );
}

/** A fast-check arbitrary for the values a JSON Schema (draft 2020-12, as zod writes it) describes. */
export function arbitraryFromJsonSchema(
  schema: JsonSchema,
  root: JsonSchema = schema,
  name?: string,
): fc.Arbitrary<unknown> {
  if (name && HINTS[name]) return HINTS[name]!;
  if (schema.$ref)
    return fc.constant(null).chain(() => arbitraryFromJsonSchema(refTarget(root, schema.$ref!), root, name));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => arbitraryFromJsonSchema(a, root, name)));
  if (schema.allOf?.length === 1) return arbitraryFromJsonSchema(schema.allOf[0]!, root, name);
  if (Array.isArray(schema.type))
    return fc.oneof(...schema.type.map((t) => arbitraryFromJsonSchema({ ...schema, type: t }, root, name)));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'string':
      return stringArb(schema);
    case 'array': {
      const item = arbitraryFromJsonSchema(schema.items ?? {}, root, name);
      // Long arrays are for the mutations; valid ones stay small so requests stay fast.
      return fc.array(item, {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, Math.max(schema.minItems ?? 0, 5)),
      });
    }
    case 'object': {
      const props = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitraryFromJsonSchema(v, root, k)]));
      return fc.record(model, { requiredKeys: schema.required ?? [] });
    }
    case undefined:
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw new Error(`schema-arbitrary: no generator for type ${String(schema.type)}`);
  }
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Bodies the route's zod schema accepts (the JSON Schema proposes, zod disposes). */
export function validBody(schema: z.ZodType): fc.Arbitrary<unknown> {
  return arbitraryFromJsonSchema(jsonSchemaOf(schema)).filter((v) => schema.safeParse(v).success);
}

/**
 * One valid body, found deterministically (fixed seed), or an error naming why: the tenancy suite
 * uses it for routes without a hand-written sample.
 */
export function sampleValidBody(schema: z.ZodType, seed = 42): unknown {
  const candidates = fc.sample(arbitraryFromJsonSchema(jsonSchemaOf(schema)), { seed, numRuns: 500 });
  const found = candidates.find((v) => schema.safeParse(v).success);
  if (found === undefined) throw new Error('no valid body found in 500 generated candidates');
  return found;
}

// ---------------------------------------------------------------------------------------------
// Mutations: from a valid body to (mostly) invalid ones.

/** Keys that must never reach an object's prototype. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** Values of the wrong shape for almost any field. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    -0,
    1.5,
    1e21,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER + 2,
    1e-7,
    '',
    ' ',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '0x10',
    '1,5',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    [],
    {},
    [null],
    { $ne: null },
  ),
  nastyString(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Json = unknown;
type Path = (string | number)[];

/** The paths to every value inside a JSON value (objects' keys and arrays' indexes). */
function paths(v: Json, prefix: Path = []): Path[] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => paths(x, [...prefix, i]))];
  if (v && typeof v === 'object') return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
  return [prefix];
}

const REMOVE = Symbol('remove');

/** A copy of `v` with the value at `path` replaced by `f(old)`, or removed when `f` says REMOVE. */
function setAt(v: Json, path: Path, f: (old: Json) => Json | typeof REMOVE): Json {
  if (path.length === 0) {
    const r = f(v);
    return r === REMOVE ? undefined : r;
  }
  const [head, ...rest] = path;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as Record<string, Json>) }) as Record<string | number, Json>;
  if (rest.length) {
    copy[head!] = setAt(copy[head!], rest, f);
    return copy;
  }
  const r = f(copy[head!]);
  if (r !== REMOVE) copy[head!] = r;
  else if (Array.isArray(copy)) copy.splice(head as number, 1);
  else delete copy[head!];
  return copy;
}

/** `{"__proto__": …}` as an own key (an object literal would set the prototype instead). */
const ownKey = (o: Record<string, Json>, k: string, value: Json) => {
  const copy = JSON.parse(JSON.stringify(o)) as Record<string, Json>;
  Object.defineProperty(copy, k, { value, enumerable: true, writable: true, configurable: true });
  return copy;
};

const deeplyNested = fc
  .integer({ min: 100, max: 20_000 })
  .chain((depth) =>
    fc
      .constantFrom('[', '{"a":')
      .map((open) => ({ raw: open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth) })),
  );

/** A body's wire form: a JSON value, or raw text (malformed JSON, numbers JSON.stringify cannot write). */
export type WireBody = { json: Json } | { raw: string };

export const serialize = (b: WireBody | undefined): string | undefined =>
  b === undefined ? undefined : 'raw' in b ? b.raw : JSON.stringify(b.json);

/**
 * Mutations of a valid body: a wrong-typed, missing, null, huge or unicode value somewhere inside
 * it, an unknown or prototype-polluting key, a value at or past a number bound, the body swapped
 * for another JSON type, or text that is not JSON at all.
 */
export function mutatedBody(valid: fc.Arbitrary<Json>): fc.Arbitrary<WireBody> {
  const atPath = (f: (v: Json) => fc.Arbitrary<WireBody>) => valid.chain(f);
  const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
  return fc.oneof(
    // A wrong-typed value anywhere.
    atPath((v) => fc.tuple(pick(paths(v)), junkValue).map(([p, junk]) => ({ json: setAt(v, p, () => junk) }))),
    // A field left out (required ones included).
    atPath((v) =>
      pick(
        paths(v)
          .filter((p) => p.length > 0)
          .concat([[]]),
      ).map((p) => ({ json: p.length ? setAt(v, p, () => REMOVE) : undefined })),
    ),
    // An unknown or prototype-polluting key on any object inside.
    atPath((v) =>
      fc
        .tuple(
          pick(
            paths(v)
              .filter((p) => {
                const x = p.reduce<Json>((o, k) => (o as Record<string, Json>)[k as string], v);
                return x !== null && typeof x === 'object' && !Array.isArray(x);
              })
              .concat([[]]),
          ),
          fc.oneof(pick(POLLUTION_KEYS), fc.string({ maxLength: 12 })),
          junkValue,
        )
        .map(([p, key, junk]) => ({
          json: setAt(v, p, (o) =>
            o && typeof o === 'object' && !Array.isArray(o)
              ? ownKey(o as Record<string, Json>, key, key === '__proto__' ? { polluted: 'yes' } : junk)
              : o,
          ),
        })),
    ),
    // A huge string, or a huge array, in place of a value.
    atPath((v) =>
      fc.tuple(pick(paths(v)), fc.integer({ min: 1_000, max: 200_000 }), fc.boolean()).map(([p, n, asArray]) => ({
        json: setAt(v, p, () => (asArray ? Array.from({ length: Math.min(n, 20_000) }, () => 'x') : 'ÿ'.repeat(n))),
      })),
    ),
    // Numbers JSON.stringify cannot write but JSON.parse reads (1e400 is Infinity), and -0.
    atPath((v) =>
      fc
        .tuple(pick(paths(v)), pick(['1e400', '-1e400', '-0', '1e-400', '123456789012345678901234567890', '0.1e1']))
        .map(([p, lit]) => {
          const marker = '"__NUMBER_LITERAL__"';
          return { raw: JSON.stringify(setAt(v, p, () => '__NUMBER_LITERAL__')).replace(marker, lit) };
        }),
    ),
    // Another JSON type for the whole body, deep nesting, or not JSON at all.
    junkValue.map((json) => ({ json })),
    deeplyNested,
    fc
      .constantFrom(
        '{',
        '{"a":1,}',
        "{'a':1}",
        'undefined',
        'NaN',
        '\u0000',
        '{"a":1}{"b":2}',
        '\ufeff{}',
        '[1,2',
        'tru',
        '"\\ud800"',
        '{"a":"\\u0000"}',
      )
      .map((raw) => ({ raw })),
  );
}
