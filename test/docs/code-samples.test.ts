/**
 * The docs' code samples cannot drift from the code: every TypeScript sample (this client, openapi-fetch, openai-node,
 * Orq's Node SDK) typechecks against the real packages and runs against the mock to a 200, every curl sample runs
 * (real curl, the sample's own arguments) against the mock and gets a 200 the spec describes, and the orq-images
 * sample's commands run against the mock (the real command, --base-url added) and save the images they ask for.
 * (The browser fetch + FormData sample runs in Chromium, in try-it-browser.test.ts.)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEditFields, validateImageEditResponse } from '../../generated/validators.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { imageField } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { specFacts } from '../../generated/spec-facts.js';
import { requestSchema, spec } from '../support/spec.js';
import { codeSamples, commands, samplesRunning } from './samples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const CURL = '/usr/bin/curl';
const PACKAGE = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).name as string;

describe('the TypeScript samples', () => {
  const samples = codeSamples.filter((sample) => sample.lang === 'TypeScript');

  /** Typechecks `source` as a module in test/docs/ (so the project's package.json and tsconfig apply), with the
   *  package's own name mapped to src/index.ts: the sample is checked against the client as it is now. */
  let previous: ts.Program | undefined;
  function typecheck(source: string): string[] {
    const configPath = path.join(root, 'tsconfig.json');
    const raw = ts.readConfigFile(configPath, ts.sys.readFile).config;
    raw.compilerOptions = { ...raw.compilerOptions, paths: { [PACKAGE]: ['./src/index.ts'] } };
    raw.include = [];
    const parsed = ts.parseJsonConfigFileContent(raw, ts.sys, root, undefined, configPath);
    const { options } = parsed;
    const errors = parsed.errors.filter((d) => d.code !== 18003); // "no inputs": the one input is given below
    if (errors.length > 0) return errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const file = path.join(root, 'test/docs/__code-sample__.ts');
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile: read, getSourceFile } = host;
    host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
    host.readFile = (name) => (path.resolve(name) === file ? source : read.call(host, name));
    host.getSourceFile = (name, language, ...rest) =>
      path.resolve(name) === file
        ? ts.createSourceFile(name, source, language)
        : getSourceFile.call(host, name, language, ...rest);
    const program = ts.createProgram({ rootNames: [file], options, host, oldProgram: previous });
    previous = program; // the next check reuses every unchanged file (lib, node types, src)
    const client = path.join(root, 'src/index.ts');
    const importsPackage = source.includes(`from '${PACKAGE}'`);
    if (importsPackage && !program.getSourceFiles().some((f) => path.resolve(f.fileName) === client))
      return [`'${PACKAGE}' did not resolve to src/index.ts`];
    const sourceFile = program.getSourceFile(file)!;
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
    return diagnostics.map((d) => {
      const where =
        d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
  }

  it('include one of this client, importing this package by its published name, and openapi-fetch, openai-node and Orq SDK ones', () => {
    expect(
      samples.some((sample) =>
        new RegExp(`import \\{[^}]*createImageEditClient[^}]*\\} from '${PACKAGE}'`).test(sample.source),
      ),
    ).toBe(true);
    for (const peer of ['openapi-fetch', 'openai', '@orq-ai/node'])
      expect(
        samples.some((sample) => sample.source.includes(`from '${peer}'`)),
        peer,
      ).toBe(true);
  });

  it.each(samples.map((sample) => [sample.label, sample] as const))(
    '%s typechecks against the real packages (this client as src/index.ts)',
    (_label, sample) => {
      expect(typecheck(sample.source)).toEqual([]);
    },
    60_000,
  );

  it('the check catches a sample that misuses the client (a misspelt field, a wrong enum value)', () => {
    const sample = samples.find((candidate) => candidate.source.includes('createImageEditClient'))!;
    expect(sample.source).toContain('prompt:');
    expect(typecheck(sample.source.replace('prompt:', 'promt:')).join('\n')).toMatch(/promt/);
    expect(sample.source).toContain("response_format: 'b64_json'");
    expect(
      typecheck(sample.source.replace("response_format: 'b64_json'", "response_format: 'jpeg'")).length,
    ).toBeGreaterThan(0);
  }, 60_000);
});

describe('the TypeScript samples, run against the mock', () => {
  const samples = codeSamples.filter((sample) => sample.lang === 'TypeScript');
  // Inside the repository (test-results/ is not committed), so the samples' imports resolve to its packages; tsx maps
  // this package's name to src/index.ts (the client as it is now) through the tsconfig written beside them.
  const dir = path.join(root, 'test-results/docs-samples');
  let mock: MockServer;

  beforeAll(async () => {
    mock = await startMock({ port: 0 });
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'cat.png'), makePng(8, 8, { seed: 3 }));
    const paths = { [PACKAGE]: [path.join(root, 'src/index.ts')] };
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', paths } }),
    );
  });
  afterAll(async () => {
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(samples.map((sample) => [sample.label, sample] as const))(
    '%s runs to a 200 from the mock',
    async (label, sample) => {
      const server = spec.servers[0].url as string;
      expect(sample.source, "the sample names the spec's first server").toContain(server);
      const file = path.join(dir, `${label!.replace(/\W+/g, '-')}.mts`);
      await writeFile(file, sample.source.replaceAll(server, mock.url));
      const env = { ...process.env, ORQ_API_KEY: 'sk-docs-sample', TSX_TSCONFIG_PATH: path.join(dir, 'tsconfig.json') };
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: dir, env });
      expect(stdout).toMatch(/^[1-9]\d* image\(s\)$/m);
    },
    60_000,
  );
});

describe('the curl samples, run by real curl', () => {
  const samples = samplesRunning('curl');
  const env = { ORQ_API_KEY: 'sk-docs-test' };
  let work: string;
  let mock: MockServer;
  let recorder: ScriptedServer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'orq-docs-curl-'));
    mock = await startMock({ port: 0 });
    recorder = await startScriptedServer(() => ({ status: 200, body: { created: 0, data: [] } }));
  });
  afterAll(async () => {
    await mock?.close();
    await recorder?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The sample's curl arguments, aimed at `baseUrl`, with a small real PNG written for every `@file` it sends. */
  async function prepare(source: string, baseUrl: string): Promise<{ args: string[]; files: string[] }> {
    const curl = commands(source, env).filter((words) => words[0] === 'curl');
    expect(curl).toHaveLength(1);
    const args = curl[0]!.slice(1);
    const urls = args.filter((arg) => /^https?:\/\//.test(arg));
    expect(urls).toHaveLength(1);
    const target = new URL(urls[0]!);
    expect(target.pathname).toBe(specFacts.operation.path);
    expect(spec.servers.map((server: { url: string }) => server.url)).toContain(target.origin);
    const files: string[] = [];
    for (const [index, arg] of args.entries()) {
      if (args[index - 1] !== '-F') continue;
      const file = arg.match(/^[^=]+=@([^;]+)/)?.[1];
      if (!file) continue;
      expect(file, 'sample images are plain file names').toMatch(/^[\w.-]+\.png$/);
      await writeFile(path.join(work, file), makePng(8, 8, { seed: files.length * 17 }));
      files.push(file);
    }
    return { args: args.map((arg) => (arg === urls[0] ? `${baseUrl}${target.pathname}` : arg)), files };
  }

  async function curl(args: string[]): Promise<{ status: number; body: string }> {
    const out = path.join(work, 'response.json');
    const { stdout } = await run(
      CURL,
      ['--silent', '--show-error', '--output', out, '--write-out', '%{http_code}', ...args],
      { cwd: work },
    );
    return { status: Number(stdout), body: await readFile(out, 'utf8') };
  }

  it('there is one with a single image and one with several', () => {
    const imageCounts = samples.map(
      (sample) =>
        commands(sample.source, env)
          .flat()
          .filter((word) => word.startsWith(`${imageField.name}=@`)).length,
    );
    expect(imageCounts).toContain(1);
    expect(Math.max(...imageCounts)).toBeGreaterThan(1);
  });

  it.each(samples.map((sample) => [sample.label, sample] as const))(
    '%s: the mock responds 200 with a body the spec describes',
    async (_label, sample) => {
      const { args } = await prepare(sample.source, mock.url);
      const response = await curl(args);
      expect(response.status, response.body).toBe(200);
      const body = JSON.parse(response.body);
      expect(validateImageEditResponse(body), JSON.stringify(validateImageEditResponse.errors)).toBe(true);
    },
  );

  it.each(samples.map((sample) => [sample.label, sample] as const))(
    '%s: sends the parts the spec describes (as a multipart parser sees them)',
    async (_label, sample) => {
      const { args, files } = await prepare(sample.source, recorder.url);
      const before = recorder.requests.length;
      expect((await curl(args)).status).toBe(200);
      const request = recorder.requests[before]!;
      expect(request.parseError).toBeUndefined();
      expect(request.headers.authorization).toBe(`Bearer ${env.ORQ_API_KEY}`);
      // Every image is its own part named "image", with its filename and a PNG media type.
      const images = request.parts.filter((part) => part.filename !== undefined);
      expect(images.map((part) => [part.name, part.filename, part.contentType])).toEqual(
        files.map((file) => [imageField.name, file, 'image/png']),
      );
      // The other parts, JSON ones decoded, are valid request fields.
      const fields: Record<string, unknown> = {};
      for (const part of request.parts.filter((p) => p.filename === undefined)) {
        fields[part.name] = part.contentType === 'application/json' ? JSON.parse(part.value!) : part.value;
      }
      // Text parts arrive as text: integer fields (by the spec) are read as numbers, as a server reading the form does.
      for (const [name, value] of Object.entries(fields)) {
        const type = [requestSchema.properties[name]?.type ?? []].flat();
        if (typeof value === 'string' && type.includes('integer')) fields[name] = Number(value);
      }
      expect(validateEditFields(fields), JSON.stringify(validateEditFields.errors)).toBe(true);
    },
  );
});

describe('the orq-images sample', () => {
  const samples = samplesRunning('orq-images');
  let work: string;
  let mock: MockServer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'orq-docs-cli-'));
    mock = await startMock({ port: 0 });
  });
  afterAll(async () => {
    await mock?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exists, and every command in it runs as written against the mock (with --base-url added), saving what it asks for', async () => {
    expect(samples.length).toBeGreaterThan(0);
    const invocations = samples.flatMap((sample) =>
      commands(sample.source, { ORQ_API_KEY: 'x' }).filter((words) => words[0] === 'orq-images'),
    );
    expect(invocations.length).toBeGreaterThan(0);
    for (const [index, words] of invocations.entries()) {
      expect(words[1]).toBe('edit');
      const dir = path.join(work, String(index));
      await mkdir(dir, { recursive: true });
      for (const [at, word] of words.entries()) {
        if (words[at - 1] === '--image') await writeFile(path.join(dir, word), makePng(16, 16, { seed: at }));
      }
      const args = [
        path.join(root, 'node_modules/tsx/dist/cli.mjs'),
        path.join(root, 'src/cli/main.ts'),
        ...words.slice(1),
        '--base-url',
        mock.url,
        '--json',
      ];
      const result = await run(process.execPath, args, {
        cwd: dir,
        env: { ...process.env, ORQ_API_KEY: 'sk-docs-cli-sample' },
      }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(result.code, `${words.join(' ')}\n${result.stderr}`).toBe(0);
      const { files } = JSON.parse(result.stdout) as { files: string[] };
      expect(files, result.stdout).toHaveLength(words.includes('-n') ? Number(words[words.indexOf('-n') + 1]) : 1);
      for (const file of files)
        expect((await readFile(path.resolve(dir, file))).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
  }, 120_000);
});
