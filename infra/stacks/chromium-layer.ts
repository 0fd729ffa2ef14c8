import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImage } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { REPO_ROOT } from './service-function.js';

export const CHROMIUM_PACKAGE = '@sparticuz/chromium';

type LockEntry = {
  version?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/**
 * The package-lock locations (`node_modules/...`) of a package and everything it needs at run
 * time, resolved the way Node does: from the requiring package's own node_modules upwards.
 * Optional and peer dependencies count when npm installed them.
 */
export function runtimeClosure(
  name: string,
  lockFile = join(REPO_ROOT, 'package-lock.json'),
): { location: string; version: string; integrity: string }[] {
  const packages = (JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const resolveFrom = (from: string, dep: string): string | undefined => {
    for (let base = from; ;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
      if (packages[candidate]) return candidate;
      if (!base) return undefined;
      const up = base.lastIndexOf('/node_modules/');
      base = up >= 0 ? base.slice(0, up) : '';
    }
  };
  const root = resolveFrom('', name);
  if (!root) throw new Error(`${name} is not in package-lock.json`);
  const seen = new Set<string>();
  const visit = (location: string) => {
    if (seen.has(location)) return;
    seen.add(location);
    const entry = packages[location]!;
    const required = Object.keys(entry.dependencies ?? {});
    const ifInstalled = [
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
    ];
    for (const dep of required) {
      const found = resolveFrom(location, dep);
      if (!found) throw new Error(`${location} needs ${dep}, which package-lock.json does not hold`);
      visit(found);
    }
    for (const dep of ifInstalled) {
      const found = resolveFrom(location, dep);
      if (found) visit(found);
    }
  };
  visit(root);
  return [...seen].sort().map((location) => {
    const entry = packages[location]!;
    if (entry.link || !entry.version)
      throw new Error(
        `${location} is linked or has no version in package-lock.json; the layer copies installed packages only`,
      );
    return { location, version: entry.version, integrity: entry.integrity ?? '' };
  });
}

/**
 * `@sparticuz/chromium` (its brotli-compressed Chromium in `bin/`, and the JavaScript that unpacks
 * it to /tmp) with its run-time dependencies, as a Lambda layer under `nodejs/node_modules`, where
 * the Node.js runtime resolves ES module imports from (nodejs18.x and later).
 *
 * Why a layer built from node_modules: the package must not pass through esbuild (it finds `bin/`
 * relative to its own files), so the function's bundle leaves it external. NodejsFunction's
 * `nodeModules` would install it into the bundle with `npm ci` against the registry at every
 * synthesis; this copies the files npm already installed, so synthesis works offline, and the
 * ~70 MB asset only changes (and is only uploaded again) when the locked versions do.
 *
 * The npm package ships x64 binaries only: the layer, and every function using it, is x86_64.
 */
export class ChromiumLayer extends LayerVersion {
  readonly packageVersion: string;

  constructor(scope: Construct, id: string) {
    const closure = runtimeClosure(CHROMIUM_PACKAGE);
    const root = closure.find((p) => p.location === `node_modules/${CHROMIUM_PACKAGE}`)!;
    for (const p of closure) {
      const installed = join(REPO_ROOT, p.location, 'package.json');
      if (!existsSync(installed)) throw new Error(`${p.location} is locked but not installed: run npm ci`);
      const { version } = JSON.parse(readFileSync(installed, 'utf8')) as { version: string };
      if (version !== p.version)
        throw new Error(`${p.location} is ${version} on disk but ${p.version} in package-lock.json: run npm ci`);
    }
    if (!existsSync(join(REPO_ROOT, root.location, 'bin', 'chromium.br')))
      throw new Error(`${CHROMIUM_PACKAGE} has no bin/chromium.br`);

    super(scope, id, {
      description: `${CHROMIUM_PACKAGE} ${root.version} (x64) and its dependencies`,
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      compatibleArchitectures: [Architecture.X86_64],
      code: Code.fromAsset(join(REPO_ROOT, root.location), {
        // The locked versions and integrity hashes identify the content: no need to hash 70 MB.
        assetHash: createHash('sha256').update(JSON.stringify(closure)).digest('hex'),
        bundling: {
          // Never used: local bundling always succeeds or throws (there is no Docker here).
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'),
          local: {
            tryBundle(outputDir) {
              for (const p of closure) {
                cpSync(join(REPO_ROOT, p.location), join(outputDir, 'nodejs', p.location), {
                  recursive: true,
                  // A package's own nested node_modules are copied as packages of the closure, if needed.
                  filter: (src) =>
                    !src.slice(join(REPO_ROOT, p.location).length).split(/[\\/]/).includes('node_modules'),
                });
              }
              return true;
            },
          },
        },
      }),
    });
    this.packageVersion = root.version;
  }
}
