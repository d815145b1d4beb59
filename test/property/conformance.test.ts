/**
 * Spec-driven conformance: requests generated from the spec's own schemas (valid ones across every optional field,
 * enum and limit edge; invalid ones by exactly one mutation each) are judged by the client's pre-flight check and by
 * the spec reading of the multipart bytes the client writes. Every verdict must match the case's expectation and
 * an invalid verdict must name the mutated field.
 *
 * Reproduce a run with FC_SEED=<seed> (printed on every run); FC_RUNS=<n> sets the runs per site.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agrees, caseSources, clientVerdict, describeCase, wireBody, wireVerdict, type Case, type Verdict } from './cases.js';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const RUNS_PER_SITE = Number(process.env.FC_RUNS ?? 3);
const VALID_RUNS = 150;

interface Judged {
  ok: boolean;
  clientOnly: boolean;
  client?: Verdict;
  wire?: Verdict;
  why?: string;
}

async function judge(testCase: Case): Promise<Judged> {
  const client = testCase.kind === 'object' ? await clientVerdict(testCase.request) : undefined;
  const { wire, why } = await wireBody(testCase);
  if (why) {
    // A request the form cannot carry: only the client judges it, and a valid one must always be carried.
    const ok = !testCase.expected.valid && client !== undefined && agrees(testCase.expected, client);
    return { ok, clientOnly: true, client, why };
  }
  const wireJudged = await wireVerdict(wire!);
  const ok = (client === undefined || agrees(testCase.expected, client)) && agrees(testCase.expected, wireJudged);
  return { ok, clientOnly: false, client, wire: wireJudged };
}

describe('property: client pre-flight check and wire bytes agree with the spec', () => {
  it('every generated case gets the expected verdict from both judges', { timeout: 300_000 }, async () => {
    console.log(`[conformance] seed ${seed} (reproduce with FC_SEED=${seed})`);
    const sources = caseSources();
    let cases = 0;
    let clientOnly = 0;
    let wireOnly = 0;
    const failures: string[] = [];
    for (const [index, source] of sources.entries()) {
      const numRuns = source.label.startsWith('valid:') ? VALID_RUNS : RUNS_PER_SITE;
      let failed = false;
      for (const testCase of fc.sample(source.arb, { seed: seed + index, numRuns })) {
        cases++;
        const judged = await judge(testCase);
        if (judged.clientOnly) clientOnly++;
        if (testCase.kind === 'raw') wireOnly++;
        if (!judged.ok) failed = true;
      }
      if (failed) {
        // Shrink to the smallest case fast-check can find, for the report.
        const details = await fc.check(
          fc.asyncProperty(source.arb, async (testCase) => (await judge(testCase)).ok),
          { seed: seed + index, numRuns },
        );
        const example = details.counterexample?.[0] as Case | undefined;
        const judged = example ? await judge(example) : undefined;
        failures.push(
          `${source.label} (seed ${seed + index}, path ${details.counterexamplePath}): expected ${JSON.stringify(example?.expected)}; ` +
            `client ${JSON.stringify(judged?.client)}; wire ${JSON.stringify(judged?.wire)}${judged?.why ? `; ${judged.why}` : ''}\n    case: ${example ? describeCase(example) : '?'}`,
        );
      }
    }
    const disagreements = failures.length;
    console.log(
      `[conformance] ${sources.length} case sources, ${cases} cases (${wireOnly} wire-only, ${clientOnly} client-only): ` +
        `${disagreements === 0 ? 'all agree' : `${disagreements} source(s) with disagreements`}`,
    );
    expect(failures, `disagreements (reproduce with FC_SEED=${seed}):\n${failures.join('\n')}`).toEqual([]);
  });
});
