/**
 * One check for every surface that says what the spec allows, so they cannot drift apart: requests are checked by
 * src/mock/core/check-request.ts (the only caller of the generated request validator on that side) in the Node mock
 * and the MSW handlers (through their one handler, core/respond.ts), the validating proxy and `npm run check-server`; responses by
 * src/contract/response-check.ts (the only caller of the generated response validators outside the client, whose own
 * drift report reads the same validators) in the proxy, `npm run check-server` and cassette replay. A surface that
 * grew a check of its own (its own validator call, or no import of the shared one) fails here.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(path.join(root, file)).isDirectory() ? filesUnder(file) : /\.ts$/.test(name) ? [file] : [];
  });
}

/** The names a file imports from `module` (a path from the root, without extension). */
function namesImported(file: string, module: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const names: string[] = [];
  for (const match of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/g)) {
    const target = path
      .relative(root, path.resolve(path.dirname(path.join(root, file)), match[2]!))
      .replace(/\.js$/, '');
    if (target === module)
      names.push(
        ...match[1]!
          .split(',')
          .map((name) =>
            name
              .trim()
              .replace(/^type\s+/, '')
              .replace(/\s+as\s+\w+$/, ''),
          )
          .filter(Boolean),
      );
  }
  return names;
}

/** Files (outside generated/ and its generator) that use one of these generated validators (call it or pass it on). */
function callersOf(validators: string[], places: string[]): string[] {
  return places
    .flatMap((place) => filesUnder(place))
    .filter((file) => !file.startsWith('scripts/generate'))
    .filter((file) =>
      validators.some((name) =>
        new RegExp(`^(?!\\s*(?:\\*|//)).*\\b${name}\\b`, 'm').test(readFileSync(path.join(root, file), 'utf8')),
      ),
    );
}

describe('one check', () => {
  it.each([
    ['the Node mock and the MSW handlers (their one handler)', 'src/mock/core/respond.ts'],
    ['the validating proxy', 'src/mock/proxy/exchange.ts'],
    ['npm run check-server', 'scripts/check-server.ts'],
  ])('%s check requests with src/mock/core/check-request.ts', (_surface, file) => {
    expect(namesImported(file, 'src/mock/core/check-request')).toContain('checkBody');
  });

  it.each([
    ['the Node mock', 'src/mock/server.ts'],
    ['the MSW handlers', 'src/mock/msw.ts'],
  ])('%s respond through the one handler, core/respond.ts', (_surface, file) => {
    expect(namesImported(file, 'src/mock/core/respond')).toContain('handle');
  });

  it('on the checking side, only check-request.ts uses the generated request validator', () => {
    expect(callersOf(['validateEditFields'], ['src/mock', 'src/contract', 'scripts'])).toEqual([
      'src/mock/core/check-request.ts',
    ]);
  });

  it.each([
    ['the validating proxy', 'src/mock/proxy/exchange.ts'],
    ['npm run check-server', 'scripts/check-server.ts'],
    ['cassette replay', 'src/mock/core/replay.ts'],
  ])('%s checks responses with src/contract/response-check.ts', (_surface, file) => {
    expect(namesImported(file, 'src/contract/response-check')).toContain('checkResponse');
  });

  it('validator failures become issues and drift in one place, src/contract/issues.ts', () => {
    const readers = ['src', 'scripts']
      .flatMap((place) => filesUnder(place))
      .filter((file) => !file.startsWith('scripts/generate'));
    expect(readers.filter((file) => /\binstancePath\b/.test(readFileSync(path.join(root, file), 'utf8')))).toEqual([
      'src/contract/issues.ts',
    ]);
  });

  it('outside the client, only response-check.ts uses the generated response validators', () => {
    expect(
      callersOf(
        ['validateImageEditResponse', 'validateErrorResponse'],
        ['src/mock', 'src/contract', 'src/cli', 'scripts'],
      ),
    ).toEqual(['src/contract/response-check.ts']);
  });
});
