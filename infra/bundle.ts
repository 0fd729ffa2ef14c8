import { resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/** The Lambda runtime ships the AWS SDK v3: every bundle leaves it out. */
export const RUNTIME_EXTERNALS = ['@aws-sdk/*'];

/** Where a function's lazily loaded parts go, beside its entry (index.mjs). */
export const CHUNK_DIR = 'chunks';

/**
 * How every function is bundled (infra/stacks/service-function.ts), and how bench/cold-start.ts
 * bundles to measure them: one ES module entry, index.mjs, minified with source maps.
 *
 * Code splitting: what a handler loads with `await import()` at its point of use (the SDKs of
 * Stripe and SES, nodemailer, the e-invoice XML builder, the HTML sanitizer, the address formats)
 * becomes a chunk of its own under chunks/, read the first time a request needs it instead of at
 * every cold start. Code that both the entry and a chunk use lands in a shared chunk the entry
 * imports statically, so it still loads at the cold start (test/infra/bundling.test.ts counts it).
 */
export function bundleOptions(entry: string, outdir: string, externals: string[] = []): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: { index: resolve(REPO_ROOT, entry) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    platform: 'node',
    target: 'node22',
    // Prefer packages' ESM builds; fall back to CommonJS.
    mainFields: ['module', 'main'],
    // CommonJS dependencies bundled into an ES module still call require(); ESM has none,
    // so define one at the top of the entry and of each chunk.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    minify: true,
    sourcemap: true,
    external: [...RUNTIME_EXTERNALS, ...externals],
    logLevel: 'warning',
  };
}
