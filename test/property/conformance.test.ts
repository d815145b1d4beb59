/**
 * Spec-driven conformance: requests generated from the spec's own schemas (valid ones across every optional field,
 * enum and limit edge; invalid ones by exactly one mutation each) are checked by the client's pre-flight check and by
 * the spec reading of the multipart bytes the client writes. Every verdict must match the case's expectation and an
 * invalid verdict must name the mutated field. The same cases sent to the Node mock and to the MSW handlers:
 * mock-conformance.test.ts (it starts the mock, so it is not in the fast tier).
 *
 * Reproduce a run with FC_SEED=<seed> (printed on every run); FC_RUNS=<n> sets the runs per site.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { removeImageFiles } from './wire.js';
import { caseSources, describeCase, checkCase, seed, type Case } from './cases.js';

const RUNS_PER_SITE = Number(process.env.FC_RUNS ?? 3);
const VALID_RUNS = 150;

afterAll(() => removeImageFiles());

describe('property: client pre-flight check and wire bytes agree with the spec', () => {
  it('every generated case gets the expected verdict from both checks', { timeout: 300_000 }, async () => {
    console.log(`[conformance] seed ${seed} (reproduce with FC_SEED=${seed})`);
    const sources = caseSources();
    let cases = 0;
    let clientOnly = 0;
    let wireOnly = 0;
    let agreements = 0;
    const failures: string[] = [];
    for (const [index, source] of sources.entries()) {
      const numRuns = source.label.startsWith('valid:') ? VALID_RUNS : RUNS_PER_SITE;
      let failed = false;
      for (const testCase of fc.sample(source.arb, { seed: seed + index, numRuns })) {
        cases++;
        const checked = await checkCase(testCase);
        if (checked.clientOnly) clientOnly++;
        if (testCase.kind === 'raw') wireOnly++;
        if (checked.ok) agreements++;
        else failed = true;
      }
      if (failed) {
        // Shrink to the smallest case fast-check can find, for the report.
        const details = await fc.check(
          fc.asyncProperty(source.arb, async (testCase) => (await checkCase(testCase)).ok),
          { seed: seed + index, numRuns },
        );
        const example = details.counterexample?.[0] as Case | undefined;
        const checked = example ? await checkCase(example) : undefined;
        failures.push(
          `${source.label} (seed ${seed + index}, path ${details.counterexamplePath}): expected ${JSON.stringify(example?.expected)}; ` +
            `client ${JSON.stringify(checked?.client)}; wire ${JSON.stringify(checked?.wire)}${checked?.why ? `; ${checked.why}` : ''}\n    case: ${example ? describeCase(example) : '?'}`,
        );
      }
    }
    console.log(
      `[conformance] seed ${seed}: ${sources.length} case sources, ${cases} cases (${wireOnly} wire-only, ${clientOnly} client-only): ` +
        `${agreements} agreements, ${cases - agreements} disagreements in ${failures.length} source(s)`,
    );
    expect(failures, `disagreements (reproduce with FC_SEED=${seed}):\n${failures.join('\n')}`).toEqual([]);
  });
});
