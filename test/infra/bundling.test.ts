import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { API_FUNCTIONS, type ApiFunction } from '../../infra/routes.js';
import { runtimeClosure } from '../../infra/stacks/chromium-layer.js';
import { REPO_ROOT, logicalId, synthApp } from './synth-app.js';

// Inside the repository (test-output/ is gitignored) so that the bundles' external @aws-sdk/*
// imports resolve from node_modules, as they resolve from the Lambda runtime in AWS.
mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
const outdir = mkdtempSync(join(REPO_ROOT, 'test-output', 'cdk-bundling-'));
// Outside the repository: what is loaded from here resolves packages from here only, as in Lambda.
const lambdaRoot = mkdtempSync(join(tmpdir(), 'lambda-sim-'));
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(lambdaRoot, { recursive: true, force: true });
});

// One synthesis (esbuild for every function, the Chromium layer copied) serves both tests.
// NodejsFunction bundles while the stacks are built, so that is what is timed.
let synth: { api: ReturnType<typeof synthApp>['api']; seconds: string; template: Template; directory: string };
beforeAll(() => {
  const started = performance.now();
  const { app, api } = synthApp({ bundle: true, outdir });
  const assembly = app.synth();
  synth = {
    api,
    seconds: ((performance.now() - started) / 1000).toFixed(1),
    template: Template.fromJSON(assembly.getStackByName(api.stackName).template as Record<string, unknown>),
    directory: assembly.directory,
  };
}, 300_000);
const assetOf = (type: string, logical: string, property: 'Code' | 'Content') => {
  const key = (synth.template.findResources(type)[logical]?.Properties as Record<string, { S3Key: string }>)[property]!
    .S3Key;
  return join(synth.directory, `asset.${key.replace(/\.zip$/, '')}`);
};
const assetDir = (fn: IFunction) => assetOf('AWS::Lambda::Function', logicalId(synth.api, fn), 'Code');

test('synthesis bundles every function with the local esbuild into a loadable ES module', { timeout: 60_000 }, () => {
  console.log(`bundling synthesis took ${synth.seconds} s`);
  const { api } = synth;
  const all = [
    ...API_FUNCTIONS.map((name) => [name, api.functions[name]] as const),
    ['stream', api.streamConsumer.fn] as const,
    ['overdue job', api.overdueJob.fn] as const,
    ['recurring job', api.recurringJob.fn] as const,
    ['reminders job', api.remindersJob.fn] as const,
    ['backfill', api.backfill.fn] as const,
  ];
  const assetDirOf = (name: (typeof API_FUNCTIONS)[number]) => assetDir(api.functions[name]);

  for (const [name, fn] of all) {
    const dir = assetDir(fn);
    expect(existsSync(join(dir, 'index.mjs')), `${name} bundle`).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map')), `${name} source map`).toBe(true);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // The banner comes first, giving bundled CommonJS dependencies a require().
    expect(code.startsWith("import { createRequire } from 'node:module'")).toBe(true);
    // The SDK is left to the runtime; everything else (zod, middy, ...) is in the bundle.
    expect(code).not.toMatch(/from\s*"(zod|@middy\/core|ulid|big\.js|luxon)"/);
    // Only the stream function has the Chromium layer: an import of @sparticuz/chromium left to
    // run time anywhere else would fail the function at its cold start.
    if (fn !== api.streamConsumer.fn) expect(code, name).not.toMatch(/from\s*"@sparticuz\/chromium"/);
  }
  expect(readFileSync(join(assetDirOf('invoices'), 'index.mjs'), 'utf8')).toMatch(
    /from\s*"@aws-sdk\/(lib|client)-dynamodb"/,
  );

  // Load the docs bundle in a fresh Node process with the environment the stack sets and ask it
  // for the OpenAPI document: proves the ESM output, banner and env parsing work together.
  const script = `
    const { handler } = await import(${JSON.stringify(join(assetDirOf('docs'), 'index.mjs'))});
    const event = { version: '2.0', routeKey: 'GET /openapi.json', rawPath: '/openapi.json', rawQueryString: '', headers: {},
      isBase64Encoded: false, requestContext: { requestId: 'r1', routeKey: 'GET /openapi.json', stage: '$default',
      http: { method: 'GET', path: '/openapi.json', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } };
    const res = await handler(event, { awsRequestId: 'r1', functionName: 'docs', getRemainingTimeInMillis: () => 10000 });
    process.stdout.write(JSON.stringify({ statusCode: res.statusCode, openapi: JSON.parse(res.body).openapi }));
  `;
  const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      TABLE_NAME: 'invoices',
      AWS_REGION: 'us-east-1',
      PUBLIC_BASE_URL: 'https://invoices.example.com',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  // The script's answer comes last, after the handler's own log lines (Powertools, on stdout): the
  // request line shows the bundled logger at work.
  const [answer, ...logLines] = out.trim().split('\n').reverse();
  expect(JSON.parse(answer!)).toEqual({ statusCode: 200, openapi: '3.1.0' });
  expect(logLines.map((l) => JSON.parse(l) as unknown)).toContainEqual(
    expect.objectContaining({
      level: 'INFO',
      message: 'request',
      routeKey: 'GET /openapi.json',
      status: 200,
      service: 'invoice-service',
      correlation_id: 'r1',
    }),
  );
});

/**
 * What each API function loads at its cold start, in KB (minified, the AWS SDK left to the runtime):
 * its entry and the chunks the entry imports statically. About 10 % above what they measured when
 * set (bench/cold-start.ts), and never above the 500 KB of #16. A budget that fails means something
 * heavy reached a handler's static imports: import it at its point of use (`await import()`) or
 * wire it only into the function that uses it (functions/wiring.ts).
 */
const COLD_START_BUDGET_KB: Record<ApiFunction | 'authorizer', number> = {
  docs: 370,
  settings: 420,
  invoices: 470,
  index: 385,
  buyer: 400,
  payments: 400,
  contacts: 405,
  companies: 405,
  crm: 415,
  webhooks: 380,
  authorizer: 155,
};

/** Never at an API function's cold start: each belongs to one route's point of use, or to another function. */
const NOT_AT_COLD_START = [
  'exceljs',
  'csv-stringify',
  'nodemailer',
  'stripe',
  'sanitize-html',
  'postcss',
  '@fragaria/address-formatter',
  'xmlbuilder2',
  'puppeteer-core',
  '@cantoo/pdf-lib',
  // The webhook URL guard and the signer: the webhooks function checks URLs only on a create or an
  // update, and signs nothing (the delivery function does).
  'ipaddr.js',
  'standardwebhooks',
];
/** Not in an API function's asset at all, even lazily: the export files are the export runner's alone. */
const NOWHERE_IN_API = ['exceljs', 'csv-stringify', 'puppeteer-core', '@cantoo/pdf-lib'];

/** The files a bundle's entry loads before its handler runs: index.mjs and its static imports, transitively. */
function coldStartFiles(dir: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // Minified esbuild output: `import{a as b}from"./chunks/x.mjs"` or `import"./chunks/x.mjs"`;
    // a lazy `import("./chunks/x.mjs")` has a parenthesis and is not matched.
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*"(\.\.?\/[^"]+\.mjs)"/g))
      visit(resolve(dirname(file), m[1]!));
  };
  visit(join(dir, 'index.mjs'));
  return [...seen];
}

/** The npm packages a bundle file was made from, read from its source map. */
const packagesOf = (file: string): Set<string> =>
  new Set(
    (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources.flatMap(
      (s) => s.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? [],
    ),
  );

test('each API function loads at its cold start only what it needs: within its budget, none of the heavy libraries', () => {
  const { api } = synth;
  const fns = [
    ...API_FUNCTIONS.map((name) => [name, api.functions[name]] as const),
    ['authorizer', api.authorizerFunction] as const,
  ];
  const report: string[] = [];
  for (const [name, fn] of fns) {
    const dir = assetDir(fn);
    const cold = coldStartFiles(dir);
    const kb = cold.reduce((sum, f) => sum + statSync(f).size, 0) / 1024;
    report.push(`${name} ${kb.toFixed(0)} KB`);
    expect(kb, `${name}: cold-start KB`).toBeLessThanOrEqual(COLD_START_BUDGET_KB[name]);
    const atColdStart = new Set(cold.flatMap((f) => [...packagesOf(f)]));
    for (const pkg of NOT_AT_COLD_START)
      expect(atColdStart.has(pkg), `${name} loads ${pkg} at its cold start`).toBe(false);
    const everything = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.mjs'))
      .flatMap((e) => [...packagesOf(join(e.parentPath, e.name))]);
    for (const pkg of NOWHERE_IN_API) expect(everything, `${name} carries ${pkg}`).not.toContain(pkg);
  }
  console.log(`cold-start bytes: ${report.join(', ')}`);
  // The export runner is where the XLSX writer lives: the check above would pass on a bundle that lost it.
  const runner = readdirSync(assetDir(api.exportRunner.fn), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.mjs'))
    .flatMap((e) => [...packagesOf(join(e.parentPath, e.name))]);
  expect(runner).toContain('exceljs');
});

test('the VAT id and IBAN checkers load at the cold start only of the functions whose operations check such ids', () => {
  const { api } = synth;
  // Settings (the seller's VAT id and IBAN); contacts, companies and crm, whose record schemas share
  // domain/crm/records.ts with the company's VAT id; docs (every schema, for the document).
  const checks = new Set<string>(['settings', 'contacts', 'companies', 'crm', 'docs']);
  for (const name of API_FUNCTIONS) {
    const atColdStart = new Set(coldStartFiles(assetDir(api.functions[name])).flatMap((f) => [...packagesOf(f)]));
    for (const pkg of ['jsvat', 'ibantools'])
      expect(atColdStart.has(pkg), `${name} loads ${pkg} at its cold start`).toBe(checks.has(name));
  }
});

test('the docs function and the authorizer do not load the AWS SDK at their cold start: docs stores nothing, the authorizer reads DynamoDB only for API keys', () => {
  const { api } = synth;
  for (const [name, fn] of [
    ['docs', api.functions.docs],
    ['authorizer', api.authorizerFunction],
  ] as const) {
    const sdk = coldStartFiles(assetDir(fn)).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]!),
    );
    expect(sdk, `${name} imports at its cold start`).toEqual([]);
  }
  // The other functions do, through their wiring: the check above would see one.
  const invoices = coldStartFiles(assetDir(api.functions.invoices)).map((f) => readFileSync(f, 'utf8'));
  expect(invoices.some((code) => /(?:\bfrom|\bimport)\s*"@aws-sdk\/client-dynamodb"/.test(code))).toBe(true);
});

test(
  'the stream function bundles puppeteer-core, imports @sparticuz/chromium from its layer, and the two load together as in Lambda',
  { timeout: 120_000 },
  () => {
    const { api } = synth;
    const streamDir = assetDir(api.streamConsumer.fn);
    const layerDir = assetOf('AWS::Lambda::LayerVersion', logicalId(api, api.streamConsumer.layer), 'Content');
    const code = readFileSync(join(streamDir, 'index.mjs'), 'utf8');
    // Left out of the bundle: it finds its bin/ folder next to its own files.
    expect(code).toMatch(/from\s*"@sparticuz\/chromium"/);
    expect(code).not.toMatch(/from\s*"puppeteer-core"/);
    expect(existsSync(join(streamDir, 'node_modules'))).toBe(false);

    // The layer: nodejs/node_modules/<package> for the package and each of its run-time dependencies.
    const modules = join(layerDir, 'nodejs');
    const closure = runtimeClosure('@sparticuz/chromium');
    expect(closure.map((p) => p.location)).toEqual(
      expect.arrayContaining(['node_modules/@sparticuz/chromium', 'node_modules/tar-fs']),
    );
    for (const p of closure) {
      const pkg = JSON.parse(readFileSync(join(modules, p.location, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.version, p.location).toBe(p.version);
    }
    const bin = join(modules, 'node_modules/@sparticuz/chromium/bin');
    expect(statSync(join(bin, 'chromium.br')).size).toBeGreaterThan(30_000_000);
    // Lambda's limit for a function and its layers, unzipped, is 250 MB.
    const size = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
    const unzipped = size(layerDir) + size(streamDir);
    console.log(`stream function + Chromium layer, unzipped: ${(unzipped / 1e6).toFixed(1)} MB`);
    expect(unzipped).toBeLessThan(200_000_000);

    // Lambda as this machine can play it: the function's bundle in the task folder, the layer's
    // packages (less the compressed browser, unpacked below from the layer itself) and the runtime's
    // AWS SDK beside it, out of reach of the repository's node_modules.
    const task = join(lambdaRoot, 'task');
    cpSync(streamDir, task, { recursive: true });
    cpSync(join(modules, 'node_modules'), join(lambdaRoot, 'node_modules'), {
      recursive: true,
      filter: (src) => !src.endsWith('.br'),
    });
    symlinkSync(join(REPO_ROOT, 'node_modules/@aws-sdk'), join(lambdaRoot, 'node_modules/@aws-sdk'), 'dir');
    const tmp = join(lambdaRoot, 'tmp');
    mkdirSync(tmp);
    const script = `
    const { handler } = await import('./index.mjs');
    const { default: chromium } = await import('@sparticuz/chromium');
    const executable = await chromium.executablePath(${JSON.stringify(bin)});
    process.stdout.write(JSON.stringify({ handler: typeof handler, executable }));
  `;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
        cwd: task,
        env: {
          PATH: process.env.PATH,
          TMPDIR: tmp,
          AWS_REGION: 'us-east-1',
          TABLE_NAME: 'invoices',
          PUBLIC_BASE_URL: 'https://invoices.example.com',
          BUCKET_NAME: 'pdfs',
          EVENT_BUS_NAME: 'invoice-events',
        },
        encoding: 'utf8',
        timeout: 60_000,
      }),
    ) as { handler: string; executable: string };
    expect(out.handler).toBe('function');
    // Unpacked from the layer's brotli file by the layer's own code and dependencies.
    expect(out.executable).toBe(join(tmp, 'chromium'));
    expect(statSync(out.executable).size).toBeGreaterThan(100_000_000);
  },
);
