/**
 * The Arazzo workflows shipped next to the spec (spec/workflows/*.arazzo.yaml), run as a user runs them: Redocly
 * CLI's `respect` as its own process, `--server` pointing at the suite's mock, its JSON report read back. Every
 * workflow and every step the file declares must have run and passed every check (the status each step expects, and
 * Respect's own checks of status, content type and body against the spec), and the mock's workflow must ask for
 * every error status the spec documents. A workflow whose expectation is wrong must make the run fail.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { specFacts } from '../../generated/spec-facts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflowsDir = path.join(root, 'spec/workflows');
const redocly = path.join(root, 'node_modules/@redocly/cli/bin/cli.js');
/** Far longer than a run takes (a few seconds); a run still going then is killed and fails its test. */
const RUN_TIMEOUT_MS = 120_000;

const scratch = mkdtempSync(path.join(tmpdir(), 'orq-arazzo-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Check {
  name: string;
  passed: boolean;
  message: string;
  condition?: string;
}
interface ExecutedStep {
  stepId: string;
  checks: Check[];
  response?: { statusCode: number };
}
interface ExecutedWorkflow {
  workflowId: string;
  status: string;
  executedSteps: ExecutedStep[];
}
interface Report {
  files: Record<string, { executedWorkflows: ExecutedWorkflow[] }>;
}
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report;
}

/** `redocly respect FILE... --server orq=URL --input key=...` as a process; its JSON report parsed. */
function respect(files: string[], server: string, extra: string[] = []): Promise<Run> {
  const reportFile = path.join(scratch, `report-${Date.now()}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        redocly,
        'respect',
        ...files,
        '--server',
        `orq=${server}`,
        '--input',
        'key=any-key',
        '--json-output',
        reportFile,
        ...extra,
      ],
      {
        cwd: root,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      try {
        resolve({ code, stdout, stderr, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report });
      } catch (error) {
        reject(
          new Error(`redocly respect wrote no JSON report (exit ${code}):\n${stdout}\n${stderr}`, { cause: error }),
        );
      }
    });
  });
}

interface Declared {
  workflowId: string;
  steps: { stepId: string; parameters?: { name: string; in?: string; value: unknown }[] }[];
}
const declared = (file: string): Declared[] =>
  (parse(readFileSync(file, 'utf8')) as { workflows: Declared[] }).workflows;

/** What the report says of one file (keyed by the path as given, relative or not). */
const reported = (run: Run, file: string) =>
  Object.entries(run.report.files).find(([key]) => path.resolve(root, key) === file)?.[1];

/** One file's workflows that ran (workflowId → its steps that ran, each with the checks that failed, in Respect's words). */
function outcome(run: Run, file: string): Record<string, { stepId: string; failed: string[] }[]> {
  const executed = reported(run, file);
  if (!executed) throw new Error(`redocly respect reported nothing for ${file}:\n${run.stdout}\n${run.stderr}`);
  return Object.fromEntries(
    executed.executedWorkflows.map((workflow) => [
      workflow.workflowId,
      workflow.executedSteps.map((step) => ({
        stepId: step.stepId,
        failed: step.checks.filter((check) => !check.passed).map((check) => `${check.name}: ${check.message}`),
      })),
    ]),
  );
}

const files = readdirSync(workflowsDir)
  .filter((name) => name.endsWith('.arazzo.yaml'))
  .sort();

describe('the Arazzo workflows next to the spec, run by redocly respect against the mock', () => {
  // One run of every file, as `npx @redocly/cli respect spec/workflows/*.arazzo.yaml --server orq=<mock>` does.
  let run: Run;
  beforeAll(async () => {
    run = await respect(
      files.map((name) => path.join(workflowsDir, name)),
      inject('mockUrl'),
    );
  }, RUN_TIMEOUT_MS);

  it("are shipped: the acceptance workflows and the mock's error statuses", () => {
    expect(files).toEqual(['image-edits.arazzo.yaml', 'mock-error-statuses.arazzo.yaml']);
  });

  it('exit with 0: every check of every file passed', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it.each(files)('%s: every workflow and every step runs, and every check passes', (name) => {
    const file = path.join(workflowsDir, name);
    const expected = Object.fromEntries(
      declared(file).map((workflow) => [
        workflow.workflowId,
        workflow.steps.map((step) => ({ stepId: step.stepId, failed: [] })),
      ]),
    );
    expect(outcome(run, file), run.stdout + run.stderr).toEqual(expected);
    // Each step was checked, not only sent: its expected status, and Respect's status, content-type and schema checks.
    for (const workflow of reported(run, file)!.executedWorkflows) {
      for (const step of workflow.executedSteps) {
        expect(step.checks.map((check) => check.name)).toEqual(
          expect.arrayContaining(['success criteria check', 'status code check', 'content-type check', 'schema check']),
        );
      }
    }
  });

  it("the mock's workflow asks for every error status the spec documents, each with Prefer: code=", () => {
    const documented = specFacts.responses
      .map((response) => response.status)
      .filter((status) => !status.startsWith('2'));
    const asked = declared(path.join(workflowsDir, 'mock-error-statuses.arazzo.yaml')).flatMap((workflow) =>
      workflow.steps.flatMap((step) =>
        (step.parameters ?? [])
          .filter((p) => p.in === 'header' && p.name === 'Prefer')
          .map((p) => String(p.value).replace(/^code=/, '')),
      ),
    );
    expect(asked.sort()).toEqual(documented.sort());
  });

  it('a workflow with a wrong expectation fails the run, naming the step, and the steps after it do not run', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    // The acceptance workflow as a user might mistype it: n = 11 expected to succeed. Written outside the repository,
    // so its source description and images are named by absolute path.
    const document = parse(readFileSync(path.join(workflowsDir, 'image-edits.arazzo.yaml'), 'utf8'));
    document.sourceDescriptions[0].url = path.join(root, 'spec/openapi.yaml');
    const refusals = document.workflows.find((workflow: Declared) => workflow.workflowId === 'refusals');
    const [first, ...rest] = refusals.steps as { stepId: string; successCriteria: { condition: string }[] }[];
    first!.successCriteria = [{ condition: '$statusCode == 200' }];
    const text = stringify(document).replaceAll("$file('images/", `$file('${workflowsDir}/images/`);
    const wrong = path.join(scratch, 'wrong-expectation.arazzo.yaml');
    writeFileSync(wrong, text);

    const failing = await respect([wrong], inject('mockUrl'), ['--workflow', 'refusals']);
    expect(failing.code).toBe(1);
    const steps = outcome(failing, wrong)['refusals']!;
    expect(steps.map((step) => step.stepId)).toEqual([first!.stepId]);
    expect(steps[0]!.failed).toEqual([expect.stringMatching(/^success criteria check: .*\$statusCode == 200/)]);
    expect(rest.length).toBeGreaterThan(0);
  });
});
