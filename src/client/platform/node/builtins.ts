/**
 * Node's built-in modules the client uses, each loaded on first use and kept. A static `import` of a built-in costs
 * every cold import of the client 1-2 ms (Node 20 builds an ES module of all its exports), whether or not the caller
 * ever sends a file: a client used with Blobs never loads node:fs at all.
 */
type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Url = typeof import('node:url');
type NodeBuffer = typeof import('node:buffer');

let fs: Promise<Fs> | undefined;
let path: Promise<Path> | undefined;
let url: Promise<Url> | undefined;
let buffer: Promise<NodeBuffer> | undefined;

export const nodeFs = (): Promise<Fs> => (fs ??= import('node:fs').then((module) => module.default));
export const nodePath = (): Promise<Path> => (path ??= import('node:path').then((module) => module.default));
export const nodeBuffer = (): Promise<NodeBuffer> => (buffer ??= import('node:buffer').then((module) => module.default));
export const nodeUrl = (): Promise<Url> => (url ??= import('node:url').then((module) => module.default));
