/**
 * src/ + generated/ → dist/: tsc's build of src/ (declarations, the CLI and the mock), the generated artefacts beside
 * it, and the client bundled into one file for Node (the package's main entry) and one minified for browsers.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle, buildNodeBundle } from './client-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

await rm(path.join(dist, 'src'), { recursive: true, force: true });
await rm(path.join(dist, 'generated'), { recursive: true, force: true });
await rm(path.join(dist, 'node'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
await cp(path.join(root, 'generated'), path.join(dist, 'generated'), { recursive: true });
await chmod(path.join(dist, 'src/cli/main.js'), 0o755);

// One ESM file each for Node and browsers (scripts/client-bundle.ts, shared with the browser tests and the bench).
const nodeBytes = await buildNodeBundle(path.join(dist, 'node/orq-image-edits.js'));
const browserBytes = await buildBrowserBundle(path.join(dist, 'browser/orq-image-edits.js'));
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
console.log(`built dist/src (tsc, with .d.ts), dist/generated, dist/node/orq-image-edits.js (${kB(nodeBytes)}), dist/browser/orq-image-edits.js (${kB(browserBytes)} minified)`);
