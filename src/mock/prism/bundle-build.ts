/**
 * Builds the one-file bundle of the Prism modules the mock uses (bundle.ts loads it), from the Prism the user
 * installed, with esbuild (an optional peer dependency: Vite and Vitest bring it). Loaded only when a bundle must be
 * (re)built.
 *
 * Why: `require('@stoplight/prism-http')` reads and compiles about 2,900 files (1.4 s and more on a 2-core machine),
 * most of it @faker-js/faker with every locale (12 MB), which Prism loads at start but uses only for `x-faker`
 * keywords of dynamic responses. One file compiles once (and then comes from V8's code cache), and four requires that
 * only some features need are deferred to their first use, unchanged otherwise (LAZY below). Prism's code is not
 * altered beyond that: its modules run in the same order, with the same dependencies, resolved by Node's rules from
 * where Prism is installed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { recordOf, type BuildRecord } from './file-records.js';

/** The modules the mock takes from Prism (../dependencies.ts names them; engine.ts types them). */
export const PRISM_ENTRY = `module.exports = {
  http: require('@stoplight/prism-http'),
  router: require('@stoplight/prism-http/dist/router').default,
  validateSecurity: require('@stoplight/prism-http/dist/validator').validateSecurity,
  configureDataGenerator: require('@stoplight/prism-cli/dist/extensions').configureExtensionsUserProvided,
};`;

/**
 * Requires made lazy: the module is loaded (from its own installed file, outside the bundle) the first time a
 * property of it is read. Each serves only what the mock does not do at start: `x-faker` values of dynamic responses
 * (faker), Postman collections as documents (postman), forwarding to an upstream, OpenAPI callbacks and fetch for
 * Node releases without one (node-fetch), YAML documents (js-yaml, which also loads esprima), and one branch of
 * the security check (lodash/fp). None of them changes anything else when loaded. A require that is not found
 * (another Prism release) is left as it is: the bundle is then slower to load, not wrong.
 */
const LAZY: { file: RegExp; specifier: string; form: 'namespace' | 'default' }[] = [
  {
    file: /prism-http[/\\]dist[/\\]mocker[/\\]generator[/\\]JSONSchema\.js$/,
    specifier: '@faker-js/faker',
    form: 'default',
  },
  {
    file: /prism-http[/\\]dist[/\\]utils[/\\]operations\.js$/,
    specifier: '@stoplight/http-spec/postman/operation',
    form: 'namespace',
  },
  { file: /prism-http[/\\]dist[/\\]forwarder[/\\]index\.js$/, specifier: 'node-fetch', form: 'namespace' },
  {
    file: /prism-http[/\\]dist[/\\]mocker[/\\]callback[/\\]callbacks\.js$/,
    specifier: 'node-fetch',
    form: 'namespace',
  },
  { file: /isomorphic-fetch[/\\]fetch-npm-node\.js$/, specifier: 'node-fetch', form: 'namespace' },
  { file: /json-schema-ref-parser[/\\]lib[/\\]util[/\\]yaml\.js$/, specifier: 'js-yaml', form: 'namespace' },
  {
    file: /prism-http[/\\]dist[/\\]validator[/\\]validators[/\\]security[/\\]index\.js$/,
    specifier: 'lodash/fp',
    form: 'namespace',
  },
];

/**
 * A stand-in that loads the module on first use and forwards every operation to it. A namespace's stand-in is a
 * function, so a module that is itself a function (node-fetch) can be called through it; faker's instance stays an
 * object (json-schema-faker tells `x-faker` paths from values by `typeof`).
 */
const LAZY_HELPER = `
function __orqLazy(load, callable) {
  let loaded;
  const real = () => (loaded ??= load());
  return new Proxy(callable ? () => {} : {}, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    apply: (_, self, args) => Reflect.apply(real(), self, args),
  });
}
`;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function lazyRequires(applied: string[]): Plugin {
  return {
    name: 'orq-lazy-requires',
    setup(build) {
      const anyFile = new RegExp(LAZY.map((lazy) => lazy.file.source).join('|'));
      build.onLoad({ filter: anyFile }, (args) => {
        let contents = readFileSync(args.path, 'utf8');
        let changed = false;
        for (const lazy of LAZY.filter((entry) => entry.file.test(args.path))) {
          const call = new RegExp(`require\\((["'])${escapeRegExp(lazy.specifier)}\\1\\)`, 'g');
          if (!call.test(contents)) continue;
          // The module's own file, resolved from the requiring file as Node would, required by absolute path
          // (kept out of the bundle: see the onResolve below).
          const target = createRequire(args.path).resolve(lazy.specifier);
          const load = `require(${JSON.stringify(`orq-lazy:${target}`)})`;
          const value =
            lazy.form === 'default'
              ? `{ default: __orqLazy(() => ${load}.default, false) }`
              : `__orqLazy(() => ${load}, true)`;
          contents = contents.replace(call, () => value);
          applied.push(`${args.path.split(/node_modules[/\\]/).pop()}: ${lazy.specifier}`);
          changed = true;
        }
        return changed ? { contents: contents + LAZY_HELPER, loader: 'js' } : undefined;
      });
      build.onResolve({ filter: /^orq-lazy:/ }, (args) => ({
        path: args.path.slice('orq-lazy:'.length),
        external: true,
      }));
    },
  };
}

/**
 * jsonc-parser's "main" is a UMD wrapper whose requires esbuild cannot follow (they go through the factory's own
 * `require` argument); its "module" build is the same code as plain ES modules.
 */
const jsoncParserModule: Plugin = {
  name: 'orq-jsonc-parser-esm',
  setup(build) {
    build.onResolve({ filter: /^jsonc-parser$/ }, (args) => {
      const manifest = createRequire(path.join(args.resolveDir, 'noop.js')).resolve('jsonc-parser/package.json');
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { module?: string };
      return pkg.module ? { path: path.join(path.dirname(manifest), pkg.module) } : undefined;
    });
  },
};

const ENTRY_NAME = '<orq-prism-entry>';

/** What a bundle was made from and how: bundle.ts uses the bundle only while all of it still holds. */
export interface BundleManifest extends BuildRecord {
  esbuild: string;
  /** The requires made lazy (LAZY above) that this Prism release had. */
  lazy: string[];
}

export interface BuiltBundle {
  code: string;
  manifest: BundleManifest;
}

/** Bundles the entry as resolved from prism-cli's directory; the manifest lists every file read, by size, time and digest. */
export async function buildPrismBundle(
  esbuild: typeof import('esbuild'),
  cliDir: string,
  recipe: string,
): Promise<BuiltBundle> {
  const applied: string[] = [];
  const result = await esbuild.build({
    stdin: { contents: PRISM_ENTRY, resolveDir: cliDir, loader: 'js', sourcefile: ENTRY_NAME },
    absWorkingDir: cliDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    // Whitespace and syntax only: names stay as written (Prism's errors and some of its libraries read them).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
    plugins: [lazyRequires(applied), jsoncParserModule],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => input !== ENTRY_NAME)
    .map((input) => recordOf(path.resolve(cliDir, input)));
  return { code: result.outputFiles[0]!.text, manifest: { recipe, esbuild: esbuild.version, lazy: applied, inputs } };
}
