/**
 * The CHANGELOG.md gate of `npm run spec:diff`: which lines record a breaking change, and which paths they cover.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRecorded, recordedBreakingPaths } from '../../scripts/spec-diff/changelog.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const changelog = `# Changelog

## Unreleased

### Breaking
- \`request.n\`: at most 4 images per call (was 10).
- \`response.*.error.code\` and \`request.orq\`: see the migration notes.
Not a list line: \`request.size\`

### Non-breaking
- \`request.quality\`: "ultra" accepted.

## 0.1.0

### Breaking
- \`request.user\`: removed long ago.
`;

describe('the CHANGELOG.md gate', () => {
  const recorded = recordedBreakingPaths(changelog);

  it('reads the backticked paths of the list lines under "## Unreleased" → "### Breaking" only', () => {
    expect(recorded).toEqual(['request.n', 'response.*.error.code', 'request.orq']);
  });

  it('a recorded path covers itself and what is under it, never a sibling that merely starts the same', () => {
    expect(isRecorded('request.n', recorded)).toBe(true);
    expect(isRecorded('request.orq.retry.count', recorded)).toBe(true);
    expect(isRecorded('request.name', recorded)).toBe(false);
    expect(isRecorded('request.orqs', recorded)).toBe(false);
    expect(isRecorded('request.image[]', ['request.image'])).toBe(true);
    expect(isRecorded('request.image', ['request.image[]'])).toBe(false);
  });

  it('* stands for one segment: any status', () => {
    expect(isRecorded('response.400.error.code', recorded)).toBe(true);
    expect(isRecorded('response.503.error.code', recorded)).toBe(true);
    expect(isRecorded('response.503.error.message', recorded)).toBe(false);
  });

  it('a breaking change recorded only in a released section, in another list or outside a list is not recorded', () => {
    for (const change of ['request.user', 'request.quality', 'request.size'])
      expect(isRecorded(change, recorded)).toBe(false);
  });

  it('accepts "## [Unreleased]" and "### Breaking changes" as headings', () => {
    expect(recordedBreakingPaths('## [Unreleased]\n### Breaking changes\n* `response.413`: gone\n')).toEqual([
      'response.413',
    ]);
  });

  it("the repository's CHANGELOG.md has the section the gate reads", () => {
    const text = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
    expect(text).toMatch(/^## Unreleased\n+### Breaking$/m);
  });
});
