/**
 * `npm run check-server` as a user runs it (a child process): the full suite passes against the mock, a server that
 * breaks the contract makes it fail naming the check, the minimal suite announces its plan and sends only
 * what it announced, and a server that never responds fails each request at its deadline (--timeout).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { specFacts } from '../../generated/spec-facts.js';
import { startScriptedServer, startStallServer, type ScriptedServer } from '../support/scripted-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runCheckServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/check-server.ts', ...args], {
      cwd: root,
      env: { ...process.env, ORQ_API_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run check-server', () => {
  let mock: MockServer;
  let broken: ScriptedServer;
  let drifting: ScriptedServer;
  beforeAll(async () => {
    mock = await startMock({ port: 0 });
    // Responds 200 `{}` to everything: a body the spec's ImageEditResponse rejects, and no refusals at all.
    broken = await startScriptedServer(() => ({ status: 200, body: {} }));
    // Refuses as the spec says, but its 200 carries `created` as a string and its 400 lacks the error's message.
    const example = (status: string) =>
      specFacts.responses.find((response) => response.status === status)!.examples[0]!.value as any;
    const { message: _message, ...withoutMessage } = example('400').error;
    const responses = [
      { status: 200, body: { ...example('200'), created: 'now' } },
      { status: 401, body: example('401') },
      { status: 400, body: { error: withoutMessage } },
    ];
    drifting = await startScriptedServer((index) => responses[index % responses.length]!);
  });
  afterAll(async () => {
    await mock?.close();
    await broken?.close();
    await drifting?.close();
  });

  it('passes every check of the full suite against the mock', { timeout: 120_000 }, async () => {
    const { code, stdout, stderr } = await runCheckServer(['--base-url', mock.url]);
    const lines = stdout.split('\n').filter((line) => /^(PASS|FAIL)\b/.test(line));
    expect(stdout).toContain('(full suite; each request within 60000 ms)');
    expect(
      lines.filter((line) => line.startsWith('FAIL')),
      stdout + stderr,
    ).toEqual([]);
    // Every documented status and example, every JSON part, the file limits: dozens of checks, all named.
    expect(lines.length).toBeGreaterThan(40);
    expect(stdout).toMatch(/check-server: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  });

  it('fails, naming the check, against a server that breaks the contract', { timeout: 120_000 }, async () => {
    const { code, stdout } = await runCheckServer(['--base-url', broken.url, '--minimal']);
    expect(stdout).toMatch(/FAIL {2}a small edit .*breaks the spec/);
    expect(stdout).toMatch(/FAIL {2}no Authorization header: 401.*expected 401, got 200/);
    expect(stdout).toMatch(/check-server: 0 passed, 3 failed/);
    expect(code).toBe(1);
  });

  it("reports a response's departures from the spec in the drift format (field: the spec says X, received Y)", {
    timeout: 120_000,
  }, async () => {
    const { stdout } = await runCheckServer(['--base-url', drifting.url, '--minimal'], {
      ORQ_API_KEY: 'sk-check-drift-key-0123456789',
    });
    expect(stdout).toMatch(
      /FAIL {2}a small edit .*: the 200 response breaks the spec: body\.created: the spec says type integer, received "now"/,
    );
    expect(stdout).toMatch(/PASS {2}no Authorization header: 401/);
    expect(stdout).toMatch(
      /FAIL {2}n above its maximum \(11\): 400 naming n: the 400 response breaks the spec: body\.error\.message: the spec says required, received missing/,
    );
  });

  it('the minimal suite says what it will send, then sends just that: one edit with n: 1', {
    timeout: 120_000,
  }, async () => {
    broken.requests.length = 0;
    const { stdout } = await runCheckServer(['--base-url', broken.url, '--minimal']);
    const plan = stdout.indexOf('this sends 3 requests: 1 billable image edit');
    expect(plan).toBeGreaterThan(-1);
    expect(plan).toBeLessThan(stdout.search(/^(PASS|FAIL)/m));
    expect(broken.requests).toHaveLength(3);
    const edits = broken.requests.filter(
      (request) =>
        request.headers.authorization && !request.parts.some((part) => part.name === 'n' && part.value !== '1'),
    );
    expect(edits).toHaveLength(1);
    expect(edits[0]!.parts.find((part) => part.name === 'n')?.value).toBe('1');
    expect(edits[0]!.parts.filter((part) => part.name === 'image')).toHaveLength(1);
  });

  it('fails each request a silent server never responds to at its deadline, naming the request, and stops there', {
    timeout: 120_000,
  }, async () => {
    // One server reads each request whole and never responds; the other never reads at all (the upload stalls).
    const silent = await startScriptedServer(() => ({ hang: true }));
    const stalled = await startStallServer();
    try {
      for (const server of [silent, stalled]) {
        const started = Date.now();
        const { code, stdout } = await runCheckServer(['--base-url', server.url, '--timeout', '1500']);
        expect(stdout).toContain('each request within 1500 ms');
        expect(stdout).toMatch(
          /FAIL {2}a small edit .*: POST \/v2\/router\/images\/edits: no complete response within 1500 ms \(--timeout\)/,
        );
        expect(stdout).toMatch(
          /FAIL {2}no Authorization header: 401.*: POST \/v2\/router\/images\/edits: no complete response within 1500 ms/,
        );
        expect(stdout).toContain('cannot be reached or does not respond; the remaining checks are not run');
        expect(stdout).toMatch(/check-server: 0 passed, 2 failed/);
        expect(code).toBe(1);
        // Two deadlines and the start of a process, not the minutes the full suite would wait without them.
        expect(Date.now() - started).toBeLessThan(60_000);
      }
      expect(silent.requests).toHaveLength(2);
      expect(stalled.connections).toBe(2);
    } finally {
      await silent.close();
      await stalled.close();
    }
  });

  it('--help shows --timeout and its default; a --timeout that is not a positive whole number is a usage error', {
    timeout: 60_000,
  }, async () => {
    const help = await runCheckServer(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--timeout MS +each request's deadline[\s\S]*\(default\s+60000\)/);
    for (const bad of ['0', '1e3', '-5', 'soon']) {
      const { code, stderr } = await runCheckServer(['--base-url', 'http://127.0.0.1:9', `--timeout=${bad}`]);
      expect(stderr).toContain('--timeout must be a positive whole number of milliseconds');
      expect(code).toBe(2);
    }
  });

  it('refuses a non-local server without ORQ_API_KEY (exit 2, nothing sent)', { timeout: 60_000 }, async () => {
    const { code, stderr } = await runCheckServer(['--base-url', 'https://api.orq.ai.invalid']);
    expect(stderr).toContain('set ORQ_API_KEY');
    expect(code).toBe(2);
  });
});
