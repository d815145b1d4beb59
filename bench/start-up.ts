/**
 * The start-up figures of BENCHMARKS.md: `startMock()` first in a process, `npm start` until the mock listens (the
 * reference page already built), and `npm run generate` with no input changed and with the generation forced
 * (ORQ_GENERATE_RECORD=off). Each is timed on the wall and in CPU time (user + system, of every process involved),
 * which a shared machine's load disturbs far less. `npm run bench -- --only start-up` measures these alone and
 * rewrites their rows, section and notes in BENCHMARKS.md, leaving the rest as it was.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, range, stats, verdict } from './format.js';

export interface Timed {
  wallMs: number[];
  cpuMs: number[];
}

export interface StartUp {
  startMock: Timed;
  npmStart: Timed;
  generateWarm: Timed;
  generateCold: Timed;
  generateInner: number[];
  generateLoad: number[];
}

interface Options {
  root: string;
  /** bench/.out: src/ compiled by tsc, as the package ships it. */
  out: string;
  runs: number;
  log: (line: string) => void;
}

const TICK_MS = 1000 / 100; // /proc times are in clock ticks of 1/100 s on Linux

/** User + system CPU of a process and its waited-for children, from /proc (ms). */
function cpuOfTree(pid: number): number {
  const stat = (p: number) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const children = (p: number): number[] => {
    const file = `/proc/${p}/task/${p}/children`;
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  };
  let ticks = 0;
  const visit = (p: number) => {
    try {
      const fields = stat(p);
      // utime, stime, cutime, cstime are fields 14-17 of /proc/PID/stat (11-14 after the command name).
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      return;
    }
    children(p).forEach(visit);
  };
  visit(pid);
  return ticks * TICK_MS;
}

/** Runs a command to its end through sh, which reports its children's CPU time (cutime + cstime) when they exit. */
function timedCommand(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): { wallMs: number; cpuMs: number; stdout: string } {
  const quoted = [command, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = performance.now();
  const output = execFileSync(
    'sh',
    [
      '-c',
      `${quoted} >"$0" 2>&1; status=$?; cat /proc/$$/stat; exit $status`,
      path.join(os.tmpdir(), `orq-bench-${process.pid}.log`),
    ],
    {
      cwd,
      env,
      encoding: 'utf8',
    },
  );
  const wallMs = performance.now() - t0;
  const fields = output.trim().split(') ')[1]!.split(' ');
  const stdout = readFileSync(path.join(os.tmpdir(), `orq-bench-${process.pid}.log`), 'utf8');
  return { wallMs, cpuMs: (Number(fields[13]) + Number(fields[14])) * TICK_MS, stdout };
}

async function startMockOnce(options: Options): Promise<{ wallMs: number; cpuMs: number }> {
  const entry = new URL(`file://${path.join(options.out, 'src/mock/index.js')}`).href;
  const code = `const t = performance.now(); const { startMock } = await import(${JSON.stringify(entry)}); const mock = await startMock({ port: 0 });
const wallMs = performance.now() - t; const cpu = process.cpuUsage(); await mock.close();
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: options.root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(output.trim().split('\n').pop()!);
}

/** `npm start -- --port 0` until it prints its banner's last line; then SIGTERM, as a user's Ctrl-C. */
function npmStartOnce(options: Options): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const npm = spawn('npm', ['start', '--', '--port', '0'], { cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      npm.kill('SIGKILL');
      reject(new Error(`npm start did not listen in 120 s:\n${output.slice(-400)}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (!output.includes('Ctrl-C')) return;
      npm.stdout.off('data', onData);
      const wallMs = performance.now() - t0;
      const cpuMs = cpuOfTree(npm.pid!);
      clearTimeout(timer);
      npm.once('exit', () => resolve({ wallMs, cpuMs }));
      npm.kill('SIGTERM');
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk));
    npm.on('error', reject);
  });
}

function push(into: Timed, run: { wallMs: number; cpuMs: number }): void {
  into.wallMs.push(run.wallMs);
  into.cpuMs.push(run.cpuMs);
}

export async function measureStartUp(options: Options): Promise<StartUp> {
  const result: StartUp = {
    startMock: { wallMs: [], cpuMs: [] },
    npmStart: { wallMs: [], cpuMs: [] },
    generateWarm: { wallMs: [], cpuMs: [] },
    generateCold: { wallMs: [], cpuMs: [] },
    generateInner: [],
    generateLoad: [],
  };
  // One unmeasured run of each first: it builds what a first start builds (Prism's bundle, the CLI's, the page).
  options.log('start-up: one unmeasured npm start and startMock() (they build what a first start builds)');
  await npmStartOnce(options);
  await startMockOnce(options);
  const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // `--out` writes the same artefacts to a directory of the bench's own, so generated/ is never touched.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orq-bench-generate-'));
  try {
    timedCommand(npmCommand, ['run', '--silent', 'generate', '--', '--out', dir], options.root);
    for (let run = 0; run < options.runs; run++) {
      push(result.startMock, await startMockOnce(options));
      push(result.npmStart, await npmStartOnce(options));
      push(
        result.generateWarm,
        timedCommand(npmCommand, ['run', '--silent', 'generate', '--', '--out', dir], options.root),
      );
      const cold = timedCommand(npmCommand, ['run', '--silent', 'generate', '--', '--out', dir], options.root, {
        ...process.env,
        ORQ_GENERATE_RECORD: 'off',
      });
      push(result.generateCold, cold);
      // The script prints its own time and its generators' loading ("wrote 8 files ... in N ms (M ms loading ...").
      const match = / in (\d+) ms \((\d+) ms/.exec(cold.stdout);
      if (match) {
        result.generateInner.push(Number(match[1]));
        result.generateLoad.push(Number(match[2]));
      }
      options.log(
        `start-up run ${run + 1}: startMock ${Math.round(result.startMock.wallMs.at(-1)!)} ms, npm start ${Math.round(result.npmStart.wallMs.at(-1)!)} ms, generate ${Math.round(result.generateWarm.wallMs.at(-1)!)} / forced ${Math.round(cold.wallMs)} ms`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(os.tmpdir(), `orq-bench-${process.pid}.log`), { force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// The report's parts (written as the rest of the report is: bench/format.ts)

export const START_UP_TARGETS = { startMock: 500, npmStart: 2000, generate: 1500 };

export function startUpMet(r: StartUp) {
  return {
    startMock: stats(r.startMock.wallMs).median <= START_UP_TARGETS.startMock,
    npmStart: stats(r.npmStart.wallMs).median <= START_UP_TARGETS.npmStart,
    generate: stats(r.generateWarm.wallMs).median <= START_UP_TARGETS.generate,
    generateCold: stats(r.generateCold.wallMs).median <= START_UP_TARGETS.generate,
  };
}

const ROW_STARTS = ['| `startMock()`', '| `npm start`', '| `npm run generate`'];
const NOTE_STARTS = ['- **`startMock()`', '- **`npm start`', '- **`npm run generate`'];

export function startUpSummaryRows(r: StartUp): string[] {
  const met = startUpMet(r);
  const both = (t: Timed) => `${range(stats(t.wallMs), 0, ' ms')}; CPU ${range(stats(t.cpuMs), 0, ' ms')}`;
  return [
    `${ROW_STARTS[0]} ready, first in a process (Prism's bundle built) | ${both(r.startMock)} | | | | | ≤ 0.5 s | ${verdict(met.startMock)} |`,
    `${ROW_STARTS[1]} until the mock listens (reference page built) | ${both(r.npmStart)} | | | | | ≤ 2 s | ${verdict(met.npmStart)} |`,
    `${ROW_STARTS[2]}, no input changed / generation forced | ${both(r.generateWarm)} / ${both(r.generateCold)} | | | | | ≤ 1.5 s | ${verdict(met.generate)} / ${verdict(met.generateCold)} |`,
  ];
}

export function startUpSection(r: StartUp): string[] {
  const row = (label: string, t: Timed) => {
    const wall = stats(t.wallMs);
    const cpu = stats(t.cpuMs);
    return `| ${label} | ${wall.runs} | ${fmt(wall.min)} / ${fmt(wall.median)} / ${fmt(wall.max)} | ${fmt(cpu.min)} / ${fmt(cpu.median)} / ${fmt(cpu.max)} |`;
  };
  return [
    '### Start-up: `startMock()`, `npm start`, `npm run generate`',
    '',
    '| figure | runs | wall ms (min / median / max) | CPU ms, user + system (min / median / max) |',
    '|---|---|---|---|',
    row('`startMock()` ready, first in a process: import of the mock included', r.startMock),
    row('`npm start -- --port 0` until the banner is printed (npm, the mock, the page served)', r.npmStart),
    row('`npm run generate -- --out DIR`, no input changed since the last generation', r.generateWarm),
    row('same, generation forced (`ORQ_GENERATE_RECORD=off`)', r.generateCold),
    '',
    "One unmeasured run of each comes first: it builds what a first start builds (Prism's bundle and V8 code cache, the prebuilt scripts, the reference page), so the runs measure a start with nothing to build. CPU time is that of every process involved (npm, sh, node); on a shared machine it moves far less than the wall time. " +
      `In the forced runs the generation itself (spec → eight files, its packages loaded, as the script reports it) took ${r.generateInner.length ? `${fmt(stats(r.generateInner).median)} ms (median)` : 'an unreported time'}, loading the generators' packages (TypeScript, openapi-typescript, ajv, esbuild, Redocly's parser) ${r.generateLoad.length ? `${fmt(stats(r.generateLoad).median)} ms of it` : 'part of it'}; the rest is npm and Node starting. ` +
      "A fresh clone's first `npm start` also builds those bundles and the page (README: first screen).",
    '',
  ];
}

export function startUpNotes(r: StartUp, loaded: boolean): string[] {
  const met = startUpMet(r);
  const med = (values: number[]) => fmt(stats(values).median);
  const load = loaded
    ? " The machine's load average (header) was above its core count during the run: CPU time is the steadier figure."
    : '';
  const notes: string[] = [];
  if (!met.startMock) {
    notes.push(
      `${NOTE_STARTS[0]}: ${med(r.startMock.wallMs)} ms against ≤ 0.5 s (CPU ${med(r.startMock.cpuMs)} ms).** Most of it is running Prism's bundle (V8's code cache spares compiling its 1.9 MB, not running its modules' top-level code), importing the mock's own modules (about 50 files as tsc writes them), checking the bundle's 650-odd source files by size and time, and Prism reading the spec; sharp and the proxy load later, on first use.${load} ` +
        "Closing it: the mock's own modules in one file, as the client's Node build is, and fewer of Prism's modules run at start (more of its requires deferred to first use).",
    );
  }
  if (!met.npmStart) {
    notes.push(
      `${NOTE_STARTS[1]}: ${med(r.npmStart.wallMs)} ms against ≤ 2 s (CPU ${med(r.npmStart.cpuMs)} ms).** It is npm starting (a few hundred ms of it), then one Node process running the prebuilt CLI, which checks the page's inputs by size and time, and \`startMock()\` (above).${load} ` +
        'Closing it: what closes `startMock()`; npm itself can be skipped by running `node scripts/run-prebuilt.mjs scripts/start.ts`.',
    );
  }
  if (!met.generate || !met.generateCold) {
    notes.push(
      `${NOTE_STARTS[2]}: ${med(r.generateWarm.wallMs)} ms with no input changed${met.generate ? ' (met)' : ''}, ${med(r.generateCold.wallMs)} ms when it generates (CPU ${med(r.generateCold.cpuMs)} ms), against ≤ 1.5 s.** ` +
        `With no input changed it compares the files with the record of the last generation and loads no generator. When it generates, the script's own work took ${r.generateInner.length ? med(r.generateInner) : '?'} ms, ${r.generateLoad.length ? med(r.generateLoad) : '?'} ms of it loading TypeScript (openapi-typescript prints types through it), ajv, esbuild and Redocly's parser, with require and from V8's code cache (scripts/generate/compile-cache.ts); npm and Node starting are the rest.${load} ` +
        'Closing it: fewer packages to load (TypeScript is loaded only for openapi-typescript to print the types).',
    );
  }
  return notes;
}

/** Rewrites the start-up rows, section and notes of an existing BENCHMARKS.md; the rest stays as it was. */
export function patchBenchmarks(markdown: string, r: StartUp, header: string, loaded: boolean): string {
  let lines = markdown.split('\n');
  const summary = startUpSummaryRows(r);
  lines = lines.filter(
    (line) =>
      !ROW_STARTS.some((start) => line.startsWith(start)) &&
      !NOTE_STARTS.some((start) => line.startsWith(start)) &&
      !line.startsWith('| start-up figures |'),
  );
  // Header: say when and how these rows were measured, after the date row.
  const date = lines.findIndex((line) => line.startsWith('| date |'));
  lines.splice(date + 1, 0, header);
  const mockRow = lines.findIndex((line) => line.startsWith('| the mock under load'));
  lines.splice(mockRow, 0, ...summary);
  // The old section (`npm run generate` alone, or an earlier start-up section) up to the next one.
  const sectionStart = lines.findIndex((line) => line === '### `npm run generate`' || line.startsWith('### Start-up'));
  if (sectionStart >= 0) {
    const next = lines.findIndex((line, i) => i > sectionStart && line.startsWith('#'));
    lines.splice(sectionStart, next - sectionStart);
  }
  const loadSection = lines.findIndex((line) => line === '### The mock under load');
  lines.splice(loadSection, 0, ...startUpSection(r));
  const text = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
  const notes = startUpNotes(r, loaded);
  return `${text}\n${notes.map((note) => `\n${note}\n`).join('')}`;
}
