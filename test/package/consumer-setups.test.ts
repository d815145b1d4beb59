/**
 * The packed package in the setups consumers run besides ESM on Node (issue 20), installed into fresh projects from
 * one packed tarball: `require()` from CommonJS (one set of error classes shared with `import`) on Node 20.0, 20.18
 * and 20.19 (the first that requires the ESM-only entries), TypeScript with `moduleResolution: node10` (5.4, the
 * documented minimum, and skipLibCheck off) and node16 CommonJS, arethetypeswrong and publint on the tarball, names kept in the Node
 * build, `orq-images --version`, what the registry page shows (LICENSE, CHANGELOG.md, links that work there), and an
 * install beside msw 3 whose README snippet then runs on Node 22 and 24.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createConsumerProject, packPackage } from '../../scripts/consumer-bundles.js';
import { makePng } from '../support/images.js';
import { canRunNodeReleases, NODE_RELEASES, nodeRelease } from '../support/node-releases.js';
import { readmeSnippets, tsc } from './consumer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const MSW_3 = '3.0.5';
/** The oldest TypeScript the README names: 5.0-5.3 fail inside openapi-fetch's types with skipLibCheck off. */
const TYPESCRIPT_MINIMUM = '5.4.5';
let dir: string;
let tarball: string;
let project: string;
let installed: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-consumer-setups-'));
  tarball = await packPackage(dir);
  project = path.join(dir, 'app');
  await createConsumerProject(project, tarball);
  installed = path.join(project, 'node_modules/orq-image-edits');
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a CommonJS program (`.cjs`) in the project; resolves to its last line of output, parsed. */
async function runCommonJs(program: string, node = process.execPath): Promise<any> {
  await writeFile(path.join(project, 'program.cjs'), program);
  const { stdout } = await run(node, ['program.cjs'], { cwd: project, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('require() from CommonJS', () => {
  it("gets the CommonJS build: an edit against the mock, a refusal, and errors that are instanceof the ESM copy's classes", async () => {
    const seen = await runCommonJs(`
const { createImageEditClient, ApiError, RequestValidationError } = require('orq-image-edits');
const client = createImageEditClient({ apiKey: 'k', baseUrl: ${JSON.stringify(inject('mockUrl'))}, maxRetries: 0 });
const image = Buffer.from(${JSON.stringify(makePng(6, 6).toString('base64'))}, 'base64');
const request = { model: 'openai/gpt-image-1', prompt: 'p', image, response_format: 'b64_json' };
(async () => {
  const result = await client.edit(request);
  const refused = await client.edit(request, { headers: { Prefer: 'code=429' } }).catch((error) => error);
  const esm = await import('orq-image-edits');
  console.log(JSON.stringify({
    file: require.resolve('orq-image-edits').split('/node_modules/')[1],
    items: result.data.length,
    status: refused.status,
    cjs: refused instanceof ApiError,
    esm: refused instanceof esm.ApiError && refused instanceof esm.OrqImageEditError && !(refused instanceof esm.RequestValidationError),
  }));
})();
`);
    expect(seen).toEqual({
      file: 'orq-image-edits/dist/node/orq-image-edits.cjs',
      items: 1,
      status: 429,
      cjs: true,
      esm: true,
    });
  });
});

/** The first Node 20 release, the last that cannot require() an ES module, and the first that can (20.19.0). */
const NODE_20_RELEASES = ['20.0.0', '20.18.3', '20.19.0'] as const;
const requiresEsm = (version: string) => Number(version.split('.')[1]) >= 19;

describe.skipIf(!canRunNodeReleases)('require() on Node 20 releases (the package supports 20.0 and later)', () => {
  beforeAll(async () => {
    await Promise.all(NODE_20_RELEASES.map((version) => nodeRelease(version)));
  }, 420_000);

  it.each(NODE_20_RELEASES)(
    'Node %s: the client is required (its CommonJS build) and edits; the ESM-only entries are required from 20.19.0 on',
    { timeout: 120_000 },
    async (version) => {
      const seen = await runCommonJs(
        `
const { createImageEditClient } = require('orq-image-edits');
const client = createImageEditClient({ apiKey: 'k', baseUrl: ${JSON.stringify(inject('mockUrl'))}, maxRetries: 0 });
const image = Buffer.from(${JSON.stringify(makePng(6, 6).toString('base64'))}, 'base64');
const entry = (id, name) => { try { return typeof require(id)[name]; } catch (error) { return error.code; } };
client.edit({ model: 'openai/gpt-image-1', prompt: 'p', image, response_format: 'b64_json' }).then((result) => console.log(JSON.stringify({
  node: process.version,
  file: require.resolve('orq-image-edits').split('/node_modules/')[1],
  items: result.data.length,
  mock: entry('orq-image-edits/mock', 'startMock'),
  browser: entry('orq-image-edits/browser', 'createImageEditClient'),
})));
`,
        await nodeRelease(version),
      );
      const esmEntry = requiresEsm(version) ? 'function' : 'ERR_REQUIRE_ESM';
      expect(seen).toEqual({
        node: `v${version}`,
        file: 'orq-image-edits/dist/node/orq-image-edits.cjs',
        items: 1,
        mock: esmEntry,
        browser: esmEntry,
      });
    },
  );
});

describe('names kept in the Node build', () => {
  it.each(['require', 'import'])(
    '%s: a class is named as in the source, util.inspect prints it, stack frames name real functions',
    async (how) => {
      const load = how === 'require' ? "require('orq-image-edits')" : "await import('orq-image-edits')";
      const seen = await runCommonJs(`
(async () => {
  const client = ${load};
  const error = await client.createImageEditClient({ apiKey: 'k' }).edit({ model: 'm', prompt: 'p', image: new Blob([]) }).catch((e) => e);
  const frames = error.stack.split('\\n').filter((line) => line.includes('orq-image-edits/dist'));
  console.log(JSON.stringify({ classes: [client.ApiError.name, client.RequestValidationError.name], inspected: require('node:util').inspect(error).split(':')[0], frames: frames.length, minified: frames.filter((line) => /at [\\w$]{1,2} /.test(line)) }));
})();
`);
      expect(seen).toMatchObject({
        classes: ['ApiError', 'RequestValidationError'],
        inspected: 'RequestValidationError',
        minified: [],
      });
      expect(seen.frames).toBeGreaterThan(0);
    },
  );

  it("the browser build: each error's name is its class's", async () => {
    await writeFile(
      path.join(project, 'browser-names.mjs'),
      `
const client = await import('orq-image-edits/browser');
const error = await client.createImageEditClient({ apiKey: 'k' }).edit({ model: 'm', prompt: 'p', image: new Blob([]) }).catch((e) => e);
console.log(JSON.stringify({ name: error.name, toString: String(error).split(':')[0] }));
`,
    );
    const { stdout } = await run(process.execPath, ['browser-names.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ name: 'RequestValidationError', toString: 'RequestValidationError' });
  });
});

describe('TypeScript setups', () => {
  const IMPORTS = `import { createImageEditClient, ApiError } from 'orq-image-edits';
import { startMock } from 'orq-image-edits/mock';
import { createImageEditHandlers } from 'orq-image-edits/msw';
import * as browserBuild from 'orq-image-edits/browser';

export const used = [createImageEditClient, ApiError, startMock, createImageEditHandlers, browserBuild.createImageEditClient];
`;

  describe("moduleResolution node10 (ts-jest's usual setup) with skipLibCheck off", () => {
    let typed: string;
    beforeAll(async () => {
      // Its own project: msw's declarations are part of /msw's, and TypeScript 5.4 is installed as a user pins it.
      typed = path.join(dir, 'node10');
      await createConsumerProject(typed, tarball, [`typescript@${TYPESCRIPT_MINIMUM}`, 'msw@2.14.7', '@types/node@20']);
      await writeFile(path.join(typed, 'node10.ts'), IMPORTS);
    }, 300_000);

    it.each([
      [`${TYPESCRIPT_MINIMUM}, the documented minimum`, 'node_modules/typescript'],
      ["this repository's", undefined],
    ])('TypeScript %s resolves and typechecks every entry point', { timeout: 300_000 }, async (_, typescript) => {
      const compiler = typescript && path.join(typed, typescript);
      if (compiler)
        expect(JSON.parse(await readFile(path.join(compiler, 'package.json'), 'utf8')).version).toBe(
          TYPESCRIPT_MINIMUM,
        );
      const options = {
        strict: true,
        module: 'commonjs',
        moduleResolution: 'node10',
        target: 'es2022',
        skipLibCheck: false,
        types: ['node'],
        lib: ['es2022', 'dom'],
      };
      expect(await tsc(typed, 'tsconfig.node10.json', options, ['node10.ts'], compiler)).toBe('');
    });
  });

  it('node16 from a CommonJS file: the client is required with its own CommonJS declarations', {
    timeout: 300_000,
  }, async () => {
    await writeFile(
      path.join(project, 'required.cts'),
      "import { createImageEditClient, ApiError } from 'orq-image-edits';\nexport const used = [createImageEditClient, ApiError];\n",
    );
    const output = await tsc(
      project,
      'tsconfig.node16.json',
      { strict: true, module: 'node16', target: 'es2022', types: [], lib: ['es2022', 'dom'] },
      ['required.cts'],
    );
    expect(output).toBe('');
  });

  it('arethetypeswrong finds no problem in the tarball but that the ESM-only entries (mock, msw, browser) cannot be required', {
    timeout: 300_000,
  }, async () => {
    const attw = path.join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const { stdout } = await run(process.execPath, [attw, tarball, '--format', 'json'], { timeout: 280_000 }).catch(
      (error) => error,
    );
    const problems = Object.values(JSON.parse(stdout).problems ?? {}).flat() as { kind: string; entrypoint: string }[];
    const esmOnly = ['./mock', './msw', './browser'];
    expect(
      problems.filter((problem) => !(problem.kind === 'CJSResolvesToESM' && esmOnly.includes(problem.entrypoint))),
    ).toEqual([]);
  });

  it('publint finds nothing to report in the installed package', { timeout: 120_000 }, async () => {
    const publint = path.join(root, 'node_modules/publint/src/cli.js');
    const { stdout, stderr } = await run(process.execPath, [publint, installed, '--strict'], {
      timeout: 100_000,
    }).catch((error) => error);
    expect(`${stdout}${stderr}`).not.toMatch(/error|warning|suggestion/i);
  });
});

describe('the CLI', () => {
  it.each(['--version', '-V', '-v'])('%s prints the installed version', async (flag) => {
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    const { stdout } = await run(process.execPath, [path.join(installed, manifest.bin['orq-images']), flag], {
      cwd: project,
    });
    expect(stdout).toBe(`${manifest.version}\n`);
  });
});

describe('what the registry page shows', () => {
  it('the tarball carries LICENSE (MIT, with its notice) and CHANGELOG.md; package.json names the repository, homepage and bugs', async () => {
    const files = await readdir(installed);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', 'README.md']));
    expect(await readFile(path.join(installed, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License[\s\S]*The above copyright notice and this permission notice shall be included/,
    );
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      repository: { url: expect.stringContaining('github.com/') },
      homepage: expect.stringMatching(/^https:/),
      bugs: { url: expect.stringMatching(/^https:/) },
    });
  });

  it("the README's links work on the registry page: each is absolute or an anchor", async () => {
    const readme = await readFile(path.join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !/^(https?:|#)/.test(link))).toEqual([]);
  });
});

describe.skipIf(!canRunNodeReleases)('beside msw 3 (Node 22.12+ and 24)', () => {
  let mswProject: string;
  beforeAll(async () => {
    mswProject = path.join(dir, 'msw3');
    await mkdir(mswProject);
    await writeFile(
      path.join(mswProject, 'package.json'),
      JSON.stringify({ name: 'msw3-consumer', private: true, type: 'module', devDependencies: { msw: MSW_3 } }),
    );
    // As a user with msw 3 installs the package: no --force, no --legacy-peer-deps.
    await Promise.all(Object.values(NODE_RELEASES).map((version) => nodeRelease(version)));
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `msw@${MSW_3}`, tarball],
      { cwd: mswProject, timeout: 240_000 },
    );
    await writeFile(path.join(mswProject, 'cat.png'), makePng(8, 8));
  }, 420_000);

  it.each(Object.values(NODE_RELEASES))(
    "Node %s: the README's msw/node snippet runs with msw 3",
    { timeout: 120_000 },
    async (version) => {
      const snippet = (await readmeSnippets()).find((code) => code.includes("from 'msw/node'"))!;
      await writeFile(
        path.join(mswProject, 'snippet.ts'),
        `${snippet}\nconsole.log(JSON.stringify({ items: result.data.length, refused }));\n`,
      );
      const installedMsw = JSON.parse(
        await readFile(path.join(mswProject, 'node_modules/msw/package.json'), 'utf8'),
      ).version;
      expect(installedMsw).toBe(MSW_3);
      const { stdout } = await run(await nodeRelease(version), ['snippet.ts'], { cwd: mswProject, timeout: 100_000 });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ items: 1, refused: 'RequestValidationError' });
    },
  );
});
