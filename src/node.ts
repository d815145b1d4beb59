/**
 * The entry of the two Node builds: the client's public face (index.ts), as ESM for `import` and as CommonJS for
 * `require` (Jest's default mode, Node before 20.19). They are two copies of the same code, and a process may load
 * both (an ESM app whose CommonJS dependency requires the package): then an error thrown by one copy must still be
 * `instanceof` the other copy's classes. Each copy adds its error classes to one process-wide list, by export name,
 * and each class accepts an instance of any copy's class of that name.
 */
import * as client from './index.js';

export * from './index.js';

type Constructor = abstract new (...args: never[]) => unknown;

const COPIES = Symbol.for('orq-image-edits.error-classes');
const global = globalThis as typeof globalThis & { [COPIES]?: Map<string, Constructor[]> };
const copies = (global[COPIES] ??= new Map<string, Constructor[]>());
const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

for (const [name, value] of Object.entries(client)) {
  if (
    typeof value !== 'function' ||
    !(value === client.OrqImageEditError || value.prototype instanceof client.OrqImageEditError)
  )
    continue;
  copies.set(name, [...(copies.get(name) ?? []), value as Constructor]);
  Object.defineProperty(value, Symbol.hasInstance, {
    value: (candidate: unknown) => copies.get(name)!.some((copy) => ordinaryInstanceOf.call(copy, candidate)),
  });
}
