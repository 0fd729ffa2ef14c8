import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, expect, test } from 'vitest';
import { API_FUNCTIONS } from '../../infra/routes.js';
import { REPO_ROOT, logicalId, synthApp } from './synth-app.js';

// Inside the repository (test-output/ is gitignored) so that the bundles' external @aws-sdk/*
// imports resolve from node_modules, as they resolve from the Lambda runtime in AWS.
mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
const outdir = mkdtempSync(join(REPO_ROOT, 'test-output', 'cdk-bundling-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('synthesis bundles every function with the local esbuild into a loadable ES module', { timeout: 120_000 }, () => {
  const { app, api } = synthApp({ bundle: true, outdir });
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(api.stackName).template as Record<string, unknown>);
  const fns = template.findResources('AWS::Lambda::Function');

  const assetDir = (name: (typeof API_FUNCTIONS)[number]) => {
    const code = fns[logicalId(api, api.functions[name])]!.Properties.Code as { S3Key: string };
    return join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  };

  for (const name of API_FUNCTIONS) {
    const dir = assetDir(name);
    expect(existsSync(join(dir, 'index.mjs')), `${name} bundle`).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map')), `${name} source map`).toBe(true);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // The banner comes first, giving bundled CommonJS dependencies a require().
    expect(code.startsWith("import { createRequire } from 'node:module'")).toBe(true);
    // The SDK is left to the runtime; everything else (zod, middy, ...) is in the bundle.
    expect(code).not.toMatch(/from\s*"(zod|@middy\/core|ulid|big\.js|luxon)"/);
  }
  expect(readFileSync(join(assetDir('invoices'), 'index.mjs'), 'utf8')).toMatch(/from\s*"@aws-sdk\/(lib|client)-dynamodb"/);

  // Load the docs bundle in a fresh Node process with the environment the stack sets and ask it
  // for the OpenAPI document: proves the ESM output, banner and env parsing work together.
  const script = `
    const { handler } = await import(${JSON.stringify(join(assetDir('docs'), 'index.mjs'))});
    const event = { version: '2.0', routeKey: 'GET /openapi.json', rawPath: '/openapi.json', rawQueryString: '', headers: {},
      isBase64Encoded: false, requestContext: { requestId: 'r1', routeKey: 'GET /openapi.json', stage: '$default',
      http: { method: 'GET', path: '/openapi.json', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } };
    const res = await handler(event, { awsRequestId: 'r1', functionName: 'docs', getRemainingTimeInMillis: () => 10000 });
    process.stdout.write(JSON.stringify({ statusCode: res.statusCode, openapi: JSON.parse(res.body).openapi }));
  `;
  const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, TABLE_NAME: 'invoices', AWS_REGION: 'us-east-1', PUBLIC_BASE_URL: 'https://invoices.example.com' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(JSON.parse(out)).toEqual({ statusCode: 200, openapi: '3.1.0' });
});
