import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument } from '../../functions/http/openapi.js';
import { ROUTES, type RouteDef } from '../../infra/routes.js';

/**
 * The contract test: every JSON response the integration suites receive through `client()`
 * (local-stack.ts) is validated with ajv against the OpenAPI document the service serves, for its
 * route and status. A mismatch throws, naming the route, the status and the field, so the test
 * that made the call fails there. Statuses the document does not describe for the route (503 from
 * the fault tests, 429 from throttling) are not checked; routes without a response schema are
 * listed by test/unit/http/route-schemas.test.ts.
 */

const compiled = ROUTES.map((route) => ({
  route,
  regex: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
  literals: route.path.split('/').filter((s) => s && !s.startsWith('{')).length,
})).sort((a, b) => b.literals - a.literals);

function routeOf(method: string, path: string): RouteDef | undefined {
  return compiled.find((c) => c.route.method === method && c.regex.test(path))?.route;
}

type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
};

type Checker = (route: RouteDef, status: number, contentType: string, body: unknown) => string | null;

const checkers = new Map<string, Promise<Checker>>();

async function checkerFor(baseUrl: string): Promise<Checker> {
  // The document GET /openapi.json serves (functions/http/openapi.handler.ts builds it with this very
  // function), built here rather than fetched so that checking adds no request to what a test observes.
  const doc = openApiDocument(baseUrl) as unknown as OpenApi;
  const validators = new Map<string, ValidateFunction>();
  const components = JSON.stringify(doc.components);
  return (route, status, contentType, body) => {
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    if (!op) return `${route.method} ${route.path} is not in the served document`;
    const response = op.responses[String(status)];
    if (!response) return null;
    const media = contentType.split(';')[0]!.trim();
    const content = response.content?.[media];
    if (!content) return null;
    const key = `${route.method} ${route.path} ${status} ${media}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = validator(components, rebase(content.schema) as object);
      validators.set(key, validate);
    }
    if (validate(body)) return null;
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
      );
    return `${route.method} ${route.path} answered ${status} with a body the OpenAPI document does not allow: ${errors.join('; ')}`;
  };
}

const require = createRequire(import.meta.url);
// Required, not imported: the module is CommonJS with its function on `exports.default`.
const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js'))
  .default;
let compiler: { ajv: Ajv2020; components: string } | undefined;

/**
 * The validator of one response schema. Compiling one costs ajv tens of milliseconds, and every
 * integration file checks the same few dozen: each is compiled once a run, by the first file that
 * needs it, to a module in the run's temporary folder (global-setup.ts gives the run its own), and
 * loaded from there by the others. The file's name is a hash of the schema and the components.
 */
function validator(components: string, schema: object): ValidateFunction {
  const hash = createHash('sha256').update(components).update(JSON.stringify(schema)).digest('hex').slice(0, 32);
  const dir = join(tmpdir(), 'contract-validators');
  const file = join(dir, `${hash}.cjs`);
  if (existsSync(file)) return require(file) as ValidateFunction;
  if (compiler?.components !== components) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, code: { source: true } });
    // The components under a root of their own, so `#/components/schemas/X` references resolve.
    ajv.addSchema({ $id: 'api', components: JSON.parse(components) as object });
    compiler = { ajv, components };
  }
  const validate = compiler.ajv.compile(schema);
  // The module requires ajv's runtime helpers by package name; from the temporary folder they are
  // found by their absolute paths.
  const code = standaloneCode(compiler.ajv, validate).replace(
    /require\("(ajv\/dist\/runtime\/[^"]+)"\)/g,
    (_: string, name: string) => `require(${JSON.stringify(require.resolve(name))})`,
  );
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, file); // whole or not at all, for a file reading it at once
  return validate;
}

/** `#/components/…` references made absolute (`api#/components/…`), since the schema is compiled apart from the document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/components/') ? `api${v}` : rebase(v),
      ]),
    );
  }
  return schema;
}

/** Throws if a response breaks the served document; a no-op for routes and statuses it does not describe. */
export async function checkContract(
  baseUrl: string,
  method: string,
  url: string,
  status: number,
  contentType: string | null,
  body: unknown,
): Promise<void> {
  if (!contentType || !/json/.test(contentType)) return;
  const path = new URL(url, baseUrl).pathname;
  const route = routeOf(method.toUpperCase(), path);
  if (!route || route.path === '/openapi.json') return;
  if (!checkers.has(baseUrl)) checkers.set(baseUrl, checkerFor(baseUrl));
  const problem = (await checkers.get(baseUrl)!)(route, status, contentType, body);
  if (problem) throw new Error(`Contract: ${problem}`);
}
