/**
 * What each API function loads at its cold start, and how long importing it takes, against the
 * bundles as they were before the functions were wired one by one (issue #16), measured in the same run.
 *
 * After: every API function (and the authorizer) bundled exactly as the stack bundles it: the same
 * options, from the one place that defines them (infra/bundle.ts, used by
 * infra/stacks/service-function.ts). Its cold start is its entry (index.mjs) and the chunks the entry
 * imports statically; what a handler imports at its point of use (`await import()`) is a chunk of its
 * own, read the first time a request needs it, and is reported apart ("lazy").
 *
 * Before (the floor): the same entries at commit BEFORE (the last commit with one composition root
 * for every function), taken out of git into test-output/ and bundled as the stack bundled them
 * then (NodejsFunction: one file, the same esbuild options, no splitting). Both use this checkout's
 * node_modules, so only the code and its wiring differ.
 *
 * Import time: each bundle is imported in a fresh Node process (the Node that runs this bench: 22
 * under `npm run`, as in Lambda), with the environment the stack gives the function, and timed
 * around the `import()` (parse, compile, the module's top level: env parsing, wiring, and the AWS
 * SDK clients it imports, which Lambda loads from its runtime too). Before and after take turns,
 * function by function, round by round, so load from elsewhere on the shared machine falls on both;
 * each figure is the median of its rounds. "+lazy" is the time to then import every lazy chunk: what
 * the first request that needs them all would add.
 *
 * Targets (#16): cold-start bytes ≤ 500 KB minified (without the AWS SDK, which is external) and
 * import ≤ 0.5 × before. Exits 1 if a bundle fails to build or import, or a target is missed.
 *
 * "SDK alone" is the floor under both: a fresh process importing only the AWS SDK packages the
 * function's cold start imports (from node_modules here, from its runtime in Lambda).
 *
 * Env: BENCH_ROUNDS (default 7).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, RUNTIME_EXTERNALS } from '../infra/bundle.js';
import { API_FUNCTIONS, AUTHORIZER_ENTRY, FUNCTION_ENTRY } from '../infra/routes.js';
import { REPO_ROOT } from '../infra/stacks/service-function.js';

/** The last commit where every function was wired by one composition root (wire() for all). */
const BEFORE = '2bdf0fd';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SIZE_TARGET = 500 * 1024;
const RATIO_TARGET = 0.5;

const FUNCTIONS: { name: string; entry: string }[] = [
  ...API_FUNCTIONS.map((name) => ({ name, entry: FUNCTION_ENTRY[name] })),
  { name: 'authorizer', entry: AUTHORIZER_ENTRY },
];

/** What the stack sets (api-stack.ts), with placeholders: nothing is called, only loaded. */
const ENV = {
  PATH: process.env.PATH,
  TABLE_NAME: 'invoices',
  AWS_REGION: 'us-east-1',
  PUBLIC_BASE_URL: 'https://invoices.example.com',
  BUCKET_NAME: 'pdfs',
  EVENT_BUS_NAME: 'invoice-events',
  JWT_ISSUER: 'https://issuer.example.com/',
  JWT_AUDIENCE: 'invoice-api',
  API_KEY_PEPPER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pepper',
  STRIPE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe',
  WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries',
  POWERTOOLS_SERVICE_NAME: 'invoice-service',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'InvoiceService',
};

type Bundle = {
  dir: string;
  entry: string;
  coldFiles: string[];
  coldBytes: number;
  lazyFiles: string[];
  lazyBytes: number;
  /** The runtime's packages (the AWS SDK) its cold start imports. */
  sdk: string[];
};

/** The entry and the chunks it imports statically (its cold start); every other chunk is lazy. */
function split(metafile: Metafile, dir: string): Bundle {
  const outputs = metafile.outputs;
  const js = Object.keys(outputs).filter((p) => p.endsWith('.mjs'));
  // index.mjs, by name: esbuild marks the target of each `await import()` as an entry point too.
  const entry = relative(REPO_ROOT, join(dir, 'index.mjs'));
  if (!outputs[entry]) throw new Error(`no ${entry} among the bundle's outputs`);
  const cold = new Set<string>();
  const visit = (p: string) => {
    if (cold.has(p)) return;
    cold.add(p);
    for (const i of outputs[p]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  const lazy = js.filter((p) => !cold.has(p));
  const sdk = new Set(
    [...cold].flatMap((p) =>
      outputs[p]!.imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path),
    ),
  );
  const bytes = (ps: string[]) => ps.reduce((sum, p) => sum + outputs[p]!.bytes, 0);
  const abs = (p: string) => join(REPO_ROOT, p);
  return {
    dir,
    entry: abs(entry),
    coldFiles: [...cold].map(abs),
    coldBytes: bytes([...cold]),
    lazyFiles: lazy.map(abs),
    lazyBytes: bytes(lazy),
    sdk: [...sdk].filter((p) => !p.startsWith('node:')).sort(),
  };
}

async function bundleAfter(root: string, name: string, entry: string): Promise<Bundle> {
  const dir = join(root, 'after', name);
  const result = await build({ ...bundleOptions(entry, dir), metafile: true });
  return split(result.metafile!, dir);
}

/** As NodejsFunction bundled at BEFORE (infra/stacks/service-function.ts then): one file. */
async function bundleBefore(root: string, name: string, entry: string): Promise<Bundle> {
  const dir = join(root, 'before', name);
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(root, 'src', entry)],
    outfile: join(dir, 'index.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    minify: true,
    sourcemap: true,
    external: RUNTIME_EXTERNALS,
    logLevel: 'warning',
    metafile: true,
  });
  return split(result.metafile!, dir);
}

/**
 * The floor under any bundle of a function: importing, alone, the AWS SDK packages its cold start
 * imports (Lambda loads them from its runtime whatever the bundle's size).
 */
function sdkFloor(b: Bundle): Bundle {
  const entry = join(b.dir, 'sdk-floor.mjs');
  writeFileSync(entry, b.sdk.map((p) => `import ${JSON.stringify(p)};`).join('\n'));
  return { ...b, entry, lazyFiles: [] };
}

/** One fresh process: ms to import the entry, then ms to import every lazy chunk. */
function timeImport(b: Bundle): { entry: number; lazy: number } {
  const script = `
    const t0 = performance.now();
    await import(${JSON.stringify(b.entry)});
    const t1 = performance.now();
    for (const f of ${JSON.stringify(b.lazyFiles)}) await import(f);
    const t2 = performance.now();
    process.stdout.write('\\n' + JSON.stringify({ entry: t1 - t0, lazy: t2 - t1 }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: b.dir,
    env: ENV,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { entry: number; lazy: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function main(): Promise<boolean> {
  console.log(`node ${process.version}; ${ROUNDS} rounds; before = ${BEFORE}`);
  // Inside the repository (test-output/ is gitignored) so that packages resolve from its node_modules.
  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  const root = mkdtempSync(join(REPO_ROOT, 'test-output', 'cold-start-'));
  try {
    // The code as it was: its sources out of git; it resolves this checkout's node_modules.
    const src = join(root, 'src');
    mkdirSync(src);
    execFileSync('sh', ['-c', `git archive ${BEFORE} domain functions infra package.json | tar -x -C "${src}"`], {
      cwd: REPO_ROOT,
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');

    const rows: { name: string; before: Bundle; after: Bundle; floor: Bundle }[] = [];
    for (const f of FUNCTIONS) {
      const after = await bundleAfter(root, f.name, f.entry);
      rows.push({ name: f.name, before: await bundleBefore(root, f.name, f.entry), after, floor: sdkFloor(after) });
    }

    const times = new Map(
      rows.map((r) => [
        r.name,
        { before: [] as number[], after: [] as number[], lazy: [] as number[], floor: [] as number[] },
      ]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of rows) {
        const t = times.get(r.name)!;
        // Alternate which goes first, so neither always follows the other.
        const order = round % 2 ? (['after', 'floor', 'before'] as const) : (['before', 'floor', 'after'] as const);
        for (const which of order) {
          const m = timeImport(r[which]);
          if (which === 'before') t.before.push(m.entry);
          else if (which === 'floor') t.floor.push(m.entry);
          else {
            t.after.push(m.entry);
            t.lazy.push(m.lazy);
          }
        }
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    let ok = true;
    console.log(
      '\nfunction     before size  after: cold start (lazy)   before import  after import (+lazy)  SDK alone  ratio  targets',
    );
    const ratios: number[] = [];
    for (const r of rows) {
      const t = times.get(r.name)!;
      const before = median(t.before);
      const after = median(t.after);
      const ratio = after / before;
      ratios.push(ratio);
      const sizeOk = r.after.coldBytes <= SIZE_TARGET;
      const ratioOk = ratio <= RATIO_TARGET;
      ok &&= sizeOk && ratioOk;
      console.log(
        [
          r.name.padEnd(12),
          kb(r.before.coldBytes).padStart(11),
          `${kb(r.after.coldBytes)} (${kb(r.after.lazyBytes)} in ${r.after.lazyFiles.length})`.padStart(26),
          ms(before).padStart(14),
          `${ms(after)} (+${ms(median(t.lazy))})`.padStart(21),
          ms(median(t.floor)).padStart(9),
          ratio.toFixed(2).padStart(6),
          `${sizeOk ? 'size ok' : 'SIZE OVER'}, ${ratioOk ? 'time ok' : 'TIME OVER'}`,
        ].join('  '),
      );
    }
    console.log(
      `\nratio (after / before import, median of rounds) from ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)}; targets: ≤ ${kb(SIZE_TARGET)} and ≤ ${RATIO_TARGET}`,
    );
    console.log('SDK alone: a fresh process importing only the AWS SDK packages the cold start imports');
    console.log(`bundles in ${relative(REPO_ROOT, root)} (removed at exit)`);
    return ok;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
