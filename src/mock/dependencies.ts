/**
 * The mock's heavy dependencies, loaded on demand. Prism, busboy and sharp are dev dependencies here and optional peer
 * dependencies of the published package: a client user never installs them, and `startMock` explains how when
 * they are missing instead of failing with a bare MODULE_NOT_FOUND.
 *
 * Prism's packages are resolved through @stoplight/prism-cli (the one package a user installs), so the mock finds
 * the prism-http release that prism-cli brings, hoisted or nested. They load from a one-file bundle of them when one
 * is ready (prism/bundle.ts: a fraction of the time), else module by module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MockDependencyError } from './dependency-error.js';
import { loadPrismBundle, preparePrismBundle } from './prism/bundle.js';
import type { PrismModules } from './prism/engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The packages the mock loads; their ranges come from package.json's peerDependencies. */
const MOCK_PACKAGES = ['@stoplight/prism-cli', 'busboy', 'sharp'] as const;

interface PackageJson {
  name?: string;
  version?: string;
  peerDependencies?: Record<string, string>;
}

/** The package.json of package `name` in `dir` or the nearest folder above it that holds one of that name. */
function packageJsonAbove(dir: string, name: string): PackageJson | undefined {
  for (; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === name) return pkg;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The peer dependency ranges this package declares, read from its own package.json (src/ and dist/src/ alike). */
export function mockPeerDependencies(): Record<string, string> {
  return packageJsonAbove(here, 'orq-image-edits')?.peerDependencies ?? {};
}

/**
 * `name@range` as one shell word for npm install: quoted when the range has spaces or operators (Prism's
 * `5.14.2 || ~5.16.0`, from which npm picks the newest release whose `engines` admit the Node running it).
 */
function installSpec(name: string): string {
  const range = mockPeerDependencies()[name];
  if (!range) return name;
  return /[\s|<>]/.test(range) ? `"${name}@${range}"` : `${name}@${range}`;
}

/** The error for one missing optional peer: what needs it, and the install command with the declared range. */
function peerMissing(name: string, purpose: string, cause: unknown): MockDependencyError {
  return new MockDependencyError(
    `${purpose} needs ${name}, an optional peer dependency of orq-image-edits: npm install --save-dev ${installSpec(name)} (${(cause as Error).message.split('\n')[0]})`,
    { cause },
  );
}

function missing(cause: unknown): MockDependencyError {
  const wanted = MOCK_PACKAGES.map(installSpec).join(' ');
  return new MockDependencyError(
    `the mock server needs Stoplight Prism, busboy and sharp, which are optional peer dependencies of orq-image-edits: ` +
      `npm install --save-dev ${wanted} (${(cause as Error).message.split('\n')[0]})`,
    { cause },
  );
}

export interface MockDependencies {
  prism: PrismModules;
  busboy: typeof import('busboy');
  /** Makes the responses' images (index.ts: sharpImageMaker): libvips with its prebuilt binary, from npm. */
  sharp: SharpOnDemand;
}

type Sharp = typeof import('sharp').default;

/**
 * sharp, found and its version read at start (so a missing sharp is reported then), loaded on the first image made:
 * its native library takes tens of milliseconds to load, which a start should not wait for and a mock responding
 * with only the spec's examples never needs. A sharp that is installed but fails to load is reported at that first use.
 */
export interface SharpOnDemand {
  version: string;
  load(): Sharp;
}

function sharpOnDemand(require: NodeRequire): SharpOnDemand {
  const version = packageJsonAbove(path.dirname(require.resolve('sharp')), 'sharp')?.version ?? '';
  let sharp: Sharp | undefined;
  return { version, load: () => (sharp ??= loadSharpFrom(require)) };
}

function loadSharpFrom(require: NodeRequire): Sharp {
  try {
    return require('sharp') as Sharp;
  } catch (error) {
    throw peerMissing('sharp', 'making images', error);
  }
}

let loaded: MockDependencies | undefined;

/** Loads Prism, busboy and sharp as resolved from `from` (this module by default; tests pass a place without them). */
export function loadMockDependencies(from: string = import.meta.url): MockDependencies {
  const ownResolution = from === import.meta.url;
  if (loaded && ownResolution) return loaded;
  const require = createRequire(from);
  let result: MockDependencies;
  try {
    const cliPackageJson = require.resolve('@stoplight/prism-cli/package.json');
    const fromCli = createRequire(cliPackageJson);
    // The same modules as prism/bundle-build.ts's PRISM_ENTRY.
    const modules = loadPrismBundle(cliPackageJson) ?? {
      http: fromCli('@stoplight/prism-http'),
      router: fromCli('@stoplight/prism-http/dist/router').default,
      validateSecurity: fromCli('@stoplight/prism-http/dist/validator').validateSecurity,
      configureDataGenerator: fromCli('@stoplight/prism-cli/dist/extensions').configureExtensionsUserProvided,
    };
    const prism: PrismModules = {
      ...modules,
      version: (fromCli('@stoplight/prism-cli/package.json') as { version: string }).version,
    };
    result = { prism, busboy: require('busboy'), sharp: sharpOnDemand(require) };
  } catch (error) {
    throw missing(error);
  }
  if (ownResolution) loaded = result;
  return result;
}

let esbuildSuggested = false;

/**
 * Makes Prism's one-file bundle when it is missing or stale (prism/bundle.ts), before loadMockDependencies loads
 * it. Never fails: without a bundle, Prism loads module by module. When only esbuild is missing for the bundle, says
 * so once per process on stderr, before the slow load: nothing else tells a user why each start takes seconds.
 * ORQ_MOCK_PRISM_BUNDLE=off (module by module, chosen) is quiet.
 */
export async function prepareMockDependencies(): Promise<void> {
  if (loaded) return;
  let cliPackageJson: string;
  try {
    cliPackageJson = createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json');
  } catch {
    return; // loadMockDependencies says what to install
  }
  if ((await preparePrismBundle(cliPackageJson)) === 'no esbuild' && !esbuildSuggested) {
    esbuildSuggested = true;
    console.warn(
      'orq-image-edits/mock: esbuild is not installed, so Prism loads module by module (seconds at each start instead of a fraction of one): ' +
        'npm i -D esbuild (or ORQ_MOCK_PRISM_BUNDLE=off to load it so without this note)',
    );
  }
}

/** sharp alone (for the MSW handlers in Node, which need no Prism or busboy). */
export function loadSharp(): Sharp {
  return loaded ? loaded.sharp.load() : loadSharpFrom(createRequire(import.meta.url));
}

/** busboy alone, for the validating proxy: it checks bodies as the mock does but never needs Prism or sharp. */
export function loadBusboy(): MockDependencies['busboy'] {
  if (loaded) return loaded.busboy;
  try {
    return createRequire(import.meta.url)('busboy');
  } catch (error) {
    throw peerMissing('busboy', 'the proxy', error);
  }
}
