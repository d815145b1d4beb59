/**
 * Prism in one file: the modules the mock uses, bundled from the user's installed Prism (bundle-build.ts) into
 * node_modules/.cache/orq-image-edits/, and run with V8's code cache beside it. Loading Prism module by module takes
 * 1.4 s and more; the bundle a fraction of that (BENCHMARKS.md).
 *
 * The bundle is used only while every file it was made from is unchanged (file-records.ts). Otherwise (a Prism
 * upgrade, a patched file), startMock builds it again when esbuild can be found; without esbuild, or with
 * ORQ_MOCK_PRISM_BUNDLE=off, or if anything about the bundle fails, the mock loads Prism module by module as before.
 * The bundle is an optimisation, never a requirement.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { digestOf, recordHolds, writeAtomically } from './file-records.js';
import type { PrismModules } from './engine.js';

/** Bump when bundle-build.ts changes what it writes: bundles of another recipe are rebuilt. */
export const PRISM_BUNDLE_RECIPE = 'prism-bundle 2';

export type BundledPrism = Omit<PrismModules, 'version'>;

export interface Place {
  cliDir: string;
  bundle: string;
  manifest: string;
  codeCache: string;
}

/** node_modules/.cache/orq-image-edits/ of the node_modules holding prism-cli; one bundle per installed prism-cli. */
export function prismBundlePlace(cliPackageJson: string): Place | undefined {
  const cliDir = path.dirname(cliPackageJson);
  let modules = cliDir;
  while (path.basename(modules) !== 'node_modules') {
    if (path.dirname(modules) === modules) return undefined;
    modules = path.dirname(modules);
  }
  const { version } = JSON.parse(readFileSync(cliPackageJson, 'utf8')) as { version: string };
  const id = createHash('sha256').update(`${PRISM_BUNDLE_RECIPE}\0${cliDir}`).digest('hex').slice(0, 12);
  const base = path.join(modules, '.cache', 'orq-image-edits', `prism-${version}-${id}`);
  return { cliDir, bundle: `${base}.cjs`, manifest: `${base}.json`, codeCache: `${base}.v8` };
}

const bundleDisabled = () => process.env.ORQ_MOCK_PRISM_BUNDLE === 'off';

/** Whether the bundle at this place was made by this recipe from the files as they are now. */
const fresh = (place: Place): boolean => recordHolds(place.manifest, PRISM_BUNDLE_RECIPE);

/** esbuild, from this package's place or the project's: a dev dependency of most frontend projects (Vite, Vitest). */
function findEsbuild(): string | undefined {
  for (const from of [import.meta.url, path.join(process.cwd(), 'package.json')]) {
    try {
      return createRequire(from).resolve('esbuild');
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/** The manifest preparePrismBundle found fresh or wrote, for the loadPrismBundle that follows it (not checked twice). */
let checkedJustNow: string | undefined;

/**
 * Whether a bundle is there to load: 'ready' (fresh or just built), 'no esbuild' (missing or stale, and no esbuild
 * to build it: Prism loads module by module, seconds instead of a fraction of one), or 'none' (turned off, no
 * node_modules to keep it in, or building failed).
 */
export type PrismBundleState = 'ready' | 'no esbuild' | 'none';

/**
 * Builds the bundle when it is missing or stale and esbuild is at hand; resolves once it is in place (or known
 * not to be). Two processes may build at once: each writes its own temporary files and renames them into place.
 */
export async function preparePrismBundle(cliPackageJson: string): Promise<PrismBundleState> {
  if (bundleDisabled()) return 'none';
  try {
    const place = prismBundlePlace(cliPackageJson);
    if (!place) return 'none';
    if (fresh(place)) {
      checkedJustNow = place.manifest;
      return 'ready';
    }
    const esbuild = findEsbuild();
    if (!esbuild) return 'no esbuild';
    const { buildPrismBundle } = await import('./bundle-build.js');
    const esbuildApi = createRequire(import.meta.url)(esbuild) as typeof import('esbuild');
    let built;
    try {
      built = await buildPrismBundle(esbuildApi, place.cliDir, PRISM_BUNDLE_RECIPE);
    } finally {
      // esbuild's service is a child process that otherwise lives as long as this one (the mock runs as one
      // process); a later esbuild call in this process starts a new service.
      await esbuildApi.stop();
    }
    mkdirSync(path.dirname(place.bundle), { recursive: true });
    rmSync(place.codeCache, { force: true });
    writeAtomically(place.bundle, built.code);
    // The manifest last: it is what says a bundle is ready.
    writeAtomically(place.manifest, JSON.stringify(built.manifest));
    checkedJustNow = place.manifest;
    return 'ready';
  } catch {
    // A read-only node_modules, a bundling error: Prism loads module by module instead.
    return 'none';
  }
}

let pendingCodeCache: (() => void) | undefined;

/**
 * Writes V8's code cache of a bundle that ran without one, once the mock has started: it then also holds the
 * functions compiled while Prism read the spec, which the next start does not compile again.
 */
export function savePrismCodeCache(): void {
  const save = pendingCodeCache;
  pendingCodeCache = undefined;
  try {
    save?.();
  } catch {
    // A cache that cannot be written only costs the next start its compile time.
  }
}

function codeCacheFor(file: string, digest: string): Buffer | undefined {
  try {
    const data = readFileSync(file);
    const header = Buffer.from(`${digest}\n`);
    return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the bundle if it is fresh, as Node would run a CommonJS file, with V8's code cache (written on first use).
 * Its requires of modules left outside (optional ones, and the lazy ones by absolute path) resolve from prism-cli's
 * directory, as Prism's own would. Undefined when there is no fresh bundle or it fails to run.
 */
export function loadPrismBundle(cliPackageJson: string): BundledPrism | undefined {
  if (bundleDisabled()) return undefined;
  try {
    const place = prismBundlePlace(cliPackageJson);
    const checked = checkedJustNow;
    checkedJustNow = undefined;
    if (!place || (checked !== place.manifest && !fresh(place))) return undefined;
    const code = readFileSync(place.bundle, 'utf8');
    // V8 checks a code cache against its source's length only: the cache starts with the digest of the code it
    // was made from, so a rebuilt bundle of the same length never runs with the old one's compiled code.
    const digest = digestOf(code);
    const cachedData = codeCacheFor(place.codeCache, digest);
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, {
      filename: place.bundle,
      cachedData,
    });
    const module = { exports: {} as BundledPrism };
    const run = script.runInThisContext() as (...args: unknown[]) => void;
    run.call(
      module.exports,
      module.exports,
      createRequire(cliPackageJson),
      module,
      place.bundle,
      path.dirname(place.bundle),
    );
    if (!cachedData || script.cachedDataRejected) {
      pendingCodeCache = () =>
        writeAtomically(place.codeCache, Buffer.concat([Buffer.from(`${digest}\n`), script.createCachedData()]));
    }
    return module.exports;
  } catch {
    return undefined;
  }
}
