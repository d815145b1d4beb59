/**
 * src/ + generated/ → dist/: the Node build (tsc, with declarations), the generated artefacts beside it, and a
 * minified browser build of the client (esbuild) for pages that import it without a bundler.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle } from './browser-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

await rm(path.join(dist, 'src'), { recursive: true, force: true });
await rm(path.join(dist, 'generated'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
await cp(path.join(root, 'generated'), path.join(dist, 'generated'), { recursive: true });
await chmod(path.join(dist, 'src/cli/main.js'), 0o755);

// The browser build: one ESM file (scripts/browser-bundle.ts, shared with the browser tests).
const bytes = await buildBrowserBundle(path.join(dist, 'browser/orq-image-edits.js'));
console.log(`built dist/src (Node, with .d.ts), dist/generated, dist/browser/orq-image-edits.js (${(bytes / 1024).toFixed(1)} kB minified)`);
