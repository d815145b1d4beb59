/**
 * The README and the pages it sends readers to stay true to the code: the README stays a first page (at most 250
 * lines), every link between them reaches a file and a heading that exist (on the registry page the README's links
 * are absolute, to this repository on GitHub), every option of the public option types has its row in the docs
 * page's table, every flag `orq-images <command> --help` prints is on docs/cli.md, every path CONTRIBUTING.md names
 * exists, and a folder README of src/ names only files that exist (and all of its folder's, when it has a file table). (The pages' TypeScript snippets are typechecked and run on the packed package, test/package/.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FAULTS, PREFER_KEYS } from '../../src/contract/mock-prefer.js';
import { cli } from '../cli/run-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPOSITORY = 'https://github.com/orq-image-edits/orq-image-edits';
const docsPages = readdirSync(path.join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const pages = ['README.md', 'CONTRIBUTING.md', ...docsPages];
const read = (page: string) => readFileSync(path.join(root, page), 'utf8');

/** The page's text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```$/gm, '');

/** The anchors GitHub gives a page's headings (github-slugger: lower case, punctuation dropped, spaces to dashes). */
function anchorsOf(page: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(read(page)).matchAll(/^#{1,6} +(.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Where a link of a page leads inside this repository, as [file from the root, anchor]; undefined when elsewhere. */
function target(page: string, link: string): [string, string] | undefined {
  const [address, anchor = ''] = link.split('#') as [string, string?];
  if (address === '') return [page, anchor];
  if (address === REPOSITORY) return ['README.md', anchor];
  if (address.startsWith(`${REPOSITORY}/blob/main/`)) return [address.slice(`${REPOSITORY}/blob/main/`.length), anchor];
  if (/^[a-z]+:/.test(address)) return undefined;
  return [path.posix.normalize(path.posix.join(path.posix.dirname(page), address)).replace(/\/$/, ''), anchor];
}

describe('the README and docs/', () => {
  it('the README is a first page: at most 250 lines, and every link absolute or an anchor (as the registry page needs)', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const links = [...prose(readme).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(links.filter((link) => !/^(https?:|#)/.test(link))).toEqual([]);
  });

  it.each(pages)(
    'every link of %s into this repository reaches a file, and a heading of it when it names one',
    (page) => {
      const broken: string[] = [];
      for (const [, link] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const found = target(page, link!);
        if (!found) continue;
        const [file, anchor] = found;
        if (!existsSync(path.join(root, file))) broken.push(`${link}: no file ${file}`);
        else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor))
          broken.push(`${link}: no heading #${anchor} in ${file}`);
      }
      expect(broken).toEqual([]);
    },
  );

  it('every path CONTRIBUTING.md names exists', () => {
    const named = [
      ...read('CONTRIBUTING.md').matchAll(/`((?:src|test|scripts|spec|generated|bench|docs|\.ci)\/[\w./-]*)`/g),
    ].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
  });
});

describe('the option tables of docs/', () => {
  // Each public option type and the page whose table must have a row for each of its properties.
  const tables = [
    { entry: 'src/index.ts', type: 'ImageEditClientOptions', page: 'docs/client.md' },
    { entry: 'src/index.ts', type: 'EditOptions', page: 'docs/client.md' },
    { entry: 'src/index.ts', type: 'SaveImagesOptions', page: 'docs/client.md' },
    { entry: 'src/mock/index.ts', type: 'MockOptions', page: 'docs/mock.md' },
    { entry: 'src/mock/msw.ts', type: 'ImageEditHandlerOptions', page: 'docs/mock.md' },
    { entry: 'src/mock/index.ts', type: 'ProxyOptions', page: 'docs/proxy.md' },
  ];
  const program = ts.createProgram([...new Set(tables.map((table) => path.join(root, table.entry)))], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();

  function optionsOf(entry: string, name: string): string[] {
    const module = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, entry))!)!;
    const exported = checker.getExportsOfModule(module).find((symbol) => symbol.name === name);
    if (!exported) throw new Error(`${entry} exports no ${name}`);
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return checker
      .getDeclaredTypeOfSymbol(symbol)
      .getProperties()
      .map((property) => property.name);
  }

  it.each(tables)('every property of $type has its row in $page', ({ entry, type, page }) => {
    const options = optionsOf(entry, type);
    expect(options.length).toBeGreaterThan(2);
    const text = read(page);
    expect(options.filter((option) => !text.includes(`\n| \`${option}\` |`))).toEqual([]);
  });
});

describe('docs/mock.md', () => {
  it("names every key of PREFER_KEYS (as a Prefer row and as a ?__ query key) and every fault in the faults' table", () => {
    const page = read('docs/mock.md');
    const keys = Object.keys(PREFER_KEYS);
    expect(keys.filter((key) => !page.includes(`| \`Prefer: ${key}=`) || !page.includes(`\`?__${key}=`))).toEqual([]);
    expect(Object.keys(FAULTS).filter((fault) => !page.includes(`\n| \`${fault}\` |`))).toEqual([]);
  });
});

describe('docs/cli.md', () => {
  it.each(['edit', 'mock', 'proxy', 'docs'])(
    'names every flag of `orq-images %s --help`',
    { timeout: 60_000 },
    async (command) => {
      const help = await cli([command, '--help'], { cwd: root, env: {} });
      expect(help.code).toBe(0);
      const flags = [
        ...new Set([...help.stdout.matchAll(/^ {2}(?:(-[a-zA-Z]), )?(--?[a-z][\w-]*)/gm)].map((match) => match[2]!)),
      ].filter((flag) => flag !== '--help');
      expect(flags.length).toBeGreaterThan(0);
      const page = read('docs/cli.md');
      const section = page.slice(page.indexOf(`## \`orq-images ${command}\``)).split(/\n## /)[0]!;
      expect(flags.filter((flag) => !section.includes(`\`${flag}`))).toEqual([]);
    },
  );
});

describe('the folder READMEs of src/', () => {
  const readmes = (function walk(dir: string): string[] {
    return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(`${dir}/${entry.name}`) : entry.name === 'README.md' ? [`${dir}/README.md`] : [],
    );
  })('src');

  it.each(readmes)(
    '%s names only files that exist, and every file of its folder when it has a file table',
    (readme) => {
      const folder = path.dirname(readme);
      const text = read(readme);
      const named = [...text.matchAll(/`([\w./-]+\.(?:ts|js)|[\w-]+\/)`/g)].map((match) => match[1]!);
      const exists = (name: string) =>
        [path.join(folder, name), name].some(
          (file) => existsSync(path.join(root, file)) || existsSync(path.join(root, file.replace(/\.js$/, '.ts'))),
        );
      expect(named.filter((name) => !exists(name))).toEqual([]);
      if (!/^\| `[\w.-]+\.ts`/m.test(text)) return;
      const files = readdirSync(path.join(root, folder)).filter((name) => name.endsWith('.ts'));
      expect(files.filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
    },
  );
});
