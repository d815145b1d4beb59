/**
 * V8's code cache for the CommonJS packages generation loads (TypeScript above all: compiling its 9 MB took about
 * 0.5 s of each run here, 0.2 s from a cache). Node 22's module.enableCompileCache does this for every module; Node 20
 * has nothing built in, so this hooks CommonJS compilation as the v8-compile-cache package does, for large files
 * under node_modules only. Each cache file is named by its module's path, size and modification time (npm writes a
 * new file on every install) and checked by V8 against the source's length; a rejected or missing cache just means
 * compiling as usual. The code run is the package's own, unchanged: generation's output cannot differ.
 * ORQ_COMPILE_CACHE=off leaves CommonJS loading alone.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { writeAtomically } from '../../src/mock/prism/file-records.ts';

/** Files smaller than this compile faster than their cache reads. */
const MIN_BYTES = 4 * 1024;

interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
}

type Compile = (this: CompilingModule, content: string, filename: string, format?: string) => unknown;

/** Installs the hook; the function returned writes the caches of what was compiled since (call it when done). */
export function enableCompileCache(cacheDir: string): () => void {
  if (process.env.ORQ_COMPILE_CACHE === 'off') return () => {};
  const internals = Module as unknown as {
    prototype: { _compile: Compile };
    _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
    _cache: unknown;
    _extensions: unknown;
    wrap(code: string): string;
  };
  const original = internals.prototype._compile;
  const toSave: { file: string; script: vm.Script }[] = [];

  internals.prototype._compile = function (this: CompilingModule, content: string, filename: string, format?: string) {
    // An ES module required (Node 20.19's require(esm) passes its format) is Node's to load.
    if (
      (format !== undefined && format !== 'commonjs') ||
      !filename.includes(`${path.sep}node_modules${path.sep}`) ||
      content.length < MIN_BYTES ||
      content.startsWith('#!')
    ) {
      return original.call(this, content, filename, format);
    }
    const { size, mtimeMs } = statSync(filename);
    const key = createHash('sha256')
      .update(`${filename}\0${size}\0${mtimeMs}\0${process.version}`)
      .digest('hex')
      .slice(0, 24);
    const file = path.join(cacheDir, `${path.basename(filename, '.js')}-${key}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // none yet
    }
    const script = new vm.Script(internals.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) toSave.push({ file, script });
    // What Node's own require function for this module offers.
    const require = Object.assign((id: string) => this.require(id), {
      resolve: (request: string, options?: unknown) => internals._resolveFilename(request, this, false, options),
      cache: internals._cache,
      extensions: internals._extensions,
      main: process.mainModule,
    });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };

  return () => {
    internals.prototype._compile = original;
    try {
      mkdirSync(cacheDir, { recursive: true });
      // After the work: the caches then hold the functions compiled while it ran, not only the top level.
      for (const { file, script } of toSave) writeAtomically(file, script.createCachedData());
    } catch {
      // A cache that cannot be written only costs the next run its compile time.
    }
  };
}
