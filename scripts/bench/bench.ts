// The performance benchmark: scan throughput of the engine on real ML code, compared with
// tree-sitter alone, CPython's own parser and flake8; the CLI end to end; the language server's
// editor latency and its memory during a workspace scan. Prints a table with the budgets.
//
//   npm run build && npm run bench [-- <folder>...] [--skip-flake8] [--skip-cli] [--skip-server]
//
// Without folders, the corpus is the Python sources of Debian's python3-torch, python3-scipy and
// python3-sklearn (apt-get install them) plus a generated TypeScript set. Timings are wall-clock
// on a machine that other work may share: the load average is printed beside them.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allRules } from '../../rules';
import { analyzeTree, rulesFor } from '../../rules/engine/engine';
import { initParsers, languageForPath, parse } from '../../rules/engine/parser';
import type { LanguageId } from '../../rules/engine/types';
import { discoverFiles } from '../../rules/project/files';
import { generateTypeScriptSet } from './corpus';
import type { Percentiles } from '../../test/server/support/latency';

const ROOT = path.resolve(__dirname, '..', '..');
const DEBIAN_PYTHON = '/usr/bin/python3';
const DEBIAN_PACKAGES = ['torch', 'scipy', 'sklearn'].map((name) =>
  path.join('/usr/lib/python3/dist-packages', name),
);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SERVER = path.join(ROOT, 'dist', 'server.js');
const LATENCY_SCRIPT = path.join(ROOT, 'scripts', 'lsp-latency.ts');

const BUDGET = {
  linesPerSecondPerCore: 100_000,
  timesTreeSitter: 1.5,
  editP95Ms: 30,
  codeActionMs: 20,
  readyMs: 300,
  rssMb: 150,
};

interface SourceFile {
  path: string;
  language: LanguageId;
  text: string;
  lines: number;
}

interface Row {
  measure: string;
  value: string;
  budget?: string;
  pass?: boolean;
}

const rows: Row[] = [];

function row(measure: string, value: string, budget?: string, pass?: boolean): void {
  rows.push({ measure, value, budget, pass });
  const verdict = pass === undefined ? '' : pass ? '  PASS' : '  FAIL';
  console.log(`  ${measure}: ${value}${budget ? `  (budget ${budget})` : ''}${verdict}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perSecond = (lines: number, ms: number) => Math.round((lines / ms) * 1000);
const thousands = (value: number) => value.toLocaleString('en-US');

function countLines(text: string): number {
  let lines = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) lines++;
  return text.length > 0 && !text.endsWith('\n') ? lines + 1 : lines;
}

// ---- The corpus ----

async function collectFiles(roots: string[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const file of discoverFiles(roots)) {
    const language = languageForPath(file);
    if (!language) continue; // Notebooks go through the CLI's own reader, measured end to end.
    const text = fs.readFileSync(file, 'utf8');
    files.push({ path: file, language, text, lines: countLines(text) });
  }
  return files;
}

// ---- The engine, step by step ----

interface Split {
  /** Tree-sitter parsing the same file just before, with nothing else: the baseline. */
  treeSitterAlone: number;
  read: number;
  prefilter: number;
  parse: number;
  analyse: number;
  report: number;
  parsed: number;
  findings: number;
}

/**
 * The scan as the CLI does it, timed per step: read, pre-filter, parse, analyse, report. Each
 * file is first parsed by tree-sitter alone, so that both figures see the same machine load.
 */
function engineScan(files: SourceFile[]): Split {
  const split: Split = {
    treeSitterAlone: 0,
    read: 0,
    prefilter: 0,
    parse: 0,
    analyse: 0,
    report: 0,
    parsed: 0,
    findings: 0,
  };
  const report: string[] = [];
  for (const file of files) {
    let start = performance.now();
    parse(file.text, file.language).delete();
    split.treeSitterAlone += performance.now() - start;

    start = performance.now();
    const text = fs.readFileSync(file.path, 'utf8');
    split.read += performance.now() - start;

    start = performance.now();
    const worthParsing = rulesFor(text, file.language, { rules: allRules }).length > 0;
    split.prefilter += performance.now() - start;
    if (!worthParsing) continue;

    start = performance.now();
    const tree = parse(text, file.language);
    split.parse += performance.now() - start;
    split.parsed++;

    start = performance.now();
    const analysis = analyzeTree(tree, text, file.language, { rules: allRules, withFixes: false });
    tree.delete();
    split.analyse += performance.now() - start;

    start = performance.now();
    for (const finding of analysis.findings) {
      report.push(JSON.stringify({ path: file.path, ...finding, fixes: undefined }));
    }
    split.findings += analysis.findings.length;
    split.report += performance.now() - start;
  }
  return split;
}

function treeSitterAlone(files: SourceFile[]): number {
  const start = performance.now();
  for (const file of files) parse(file.text, file.language).delete();
  return performance.now() - start;
}

// ---- Other tools on the same files ----

const CPYTHON_TIMER = `
import ast, json, sys, time, warnings
warnings.simplefilter("ignore")
paths = [p for p in sys.stdin.read().split("\\0") if p]
read = parsed = 0.0
failed = 0
for path in paths:
    start = time.perf_counter()
    with open(path, "rb") as handle:
        source = handle.read()
    middle = time.perf_counter()
    try:
        ast.parse(source, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        failed += 1
    read += middle - start
    parsed += time.perf_counter() - middle
print(json.dumps({"files": len(paths), "readMs": read * 1000, "parseMs": parsed * 1000, "failed": failed}))
`;

function cpythonParse(files: SourceFile[]): { parseMs: number; failed: number } | string {
  if (!fs.existsSync(DEBIAN_PYTHON)) return `${DEBIAN_PYTHON} is missing`;
  const result = spawnSync(DEBIAN_PYTHON, ['-c', CPYTHON_TIMER], {
    input: files.map((file) => file.path).join('\0'),
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) return `python3 failed: ${result.stderr.trim().split('\n').pop()}`;
  return JSON.parse(result.stdout) as { parseMs: number; failed: number };
}

function timeCommand(
  command: string,
  args: string[],
  output: string,
): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const sink = fs.openSync(output, 'w');
    const child = spawn(command, args, { stdio: ['ignore', sink, 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => (stderr += error.message));
    child.on('close', (code) => {
      fs.closeSync(sink);
      resolve({ ms: performance.now() - start, code, stderr });
    });
  });
}

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

// ---- The language server ----

async function editorLatency(): Promise<void> {
  if (!fs.existsSync(LATENCY_SCRIPT) || !fs.existsSync(SERVER)) {
    row('editor latency', 'not measured: scripts/lsp-latency.ts or dist/server.js is missing');
    return;
  }
  const output = path.join(os.tmpdir(), 'nanguard-bench-latency.json');
  const run = await timeCommand(process.execPath, ['--import', 'tsx', LATENCY_SCRIPT], output);
  if (run.code !== 0) {
    row('editor latency', `the latency script failed: ${run.stderr.trim().split('\n').pop()}`);
    return;
  }
  const figures = JSON.parse(fs.readFileSync(output, 'utf8'));
  const edit = figures.editToDiagnosticsUndebounced;
  row(
    `edit → diagnostics, ${figures.lines}-line file, server's own work (no debounce)`,
    `p50 ${edit.p50} ms, p95 ${edit.p95} ms, max ${edit.max} ms`,
    `p95 ≤ ${BUDGET.editP95Ms} ms`,
    edit.p95 <= BUDGET.editP95Ms,
  );
  const debounced = figures.editToDiagnostics;
  row(
    `edit → diagnostics with the ${figures.debounceMs} ms typing debounce`,
    `p50 ${debounced.p50} ms, p95 ${debounced.p95} ms, max ${debounced.max} ms`,
  );
  // The first code action after an edit: on a finding of the function just edited (the one a
  // user waits for), and on one elsewhere, whose fixes need the whole file.
  const afterEdit: [string, Percentiles][] = [
    ['in the edited function', figures.codeActionAfterEdit],
    ['in another function (whole-file analysis)', figures.codeActionElsewhereAfterEdit],
  ];
  for (const [where, figure] of afterEdit) {
    row(
      `code action, the first after an edit, ${where}`,
      `p50 ${figure.p50} ms, p95 ${figure.p95} ms, max ${figure.max} ms`,
      `p95 ≤ ${BUDGET.codeActionMs} ms`,
      figure.p95 <= BUDGET.codeActionMs,
    );
  }
  row(
    'code action, asked again on the same version',
    `p50 ${figures.codeAction.p50} ms, p95 ${figures.codeAction.p95} ms, max ${figures.codeAction.max} ms`,
  );
  row(
    'fix-all resolve on the whole file',
    `p50 ${figures.fixAllResolve.p50} ms, p95 ${figures.fixAllResolve.p95} ms`,
  );
  row(
    'server start → ready',
    `${Math.round(figures.startToReadyMs)} ms`,
    `≤ ${BUDGET.readyMs} ms`,
    figures.startToReadyMs <= BUDGET.readyMs,
  );
}

function peakRss(pid: number): { hwmKb: number; rssKb: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    return { hwmKb: field('VmHWM'), rssKb: field('VmRSS') };
  } catch {
    return null;
  }
}

async function serverScanMemory(roots: string[], lines: number): Promise<void> {
  if (!fs.existsSync(SERVER)) {
    row('server memory during a workspace scan', 'not measured: dist/server.js is missing');
    return;
  }
  const { LspTestClient } = await import('../../test/server/support/lspClient');
  const client = await LspTestClient.start({ workspaceFolders: roots });
  const pid = client.process.pid!;
  // As when someone starts a scan from the editor: a Python document is open, so the server holds
  // the Python grammar and that document's tree besides what the scan itself needs.
  const example = path.join(ROOT, 'examples', 'train_classifier.py');
  const exampleUri = `file://${example}`;
  const analysed = client.nextDiagnostics(exampleUri);
  await client.open(exampleUri, fs.readFileSync(example, 'utf8'));
  await analysed;
  const ready = peakRss(pid);
  if (ready)
    row(
      'server RSS with one Python document open, before the scan',
      `${(ready.rssKb / 1024).toFixed(0)} MB`,
    );
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRss(pid)?.hwmKb ?? 0)), 100);
  try {
    const start = performance.now();
    const result = await client.request<{ files: number; findings: number; skipped: number }>(
      'nanguard/scanWorkspace',
      {},
    );
    const ms = performance.now() - start;
    peak = Math.max(peak, peakRss(pid)?.hwmKb ?? 0);
    row(
      'server workspace scan',
      `${thousands(result.files)} files, ${thousands(result.findings)} findings in ${seconds(ms)} ` +
        `(${thousands(perSecond(lines, ms))} lines/s)`,
    );
    row(
      `server peak RSS (VmHWM) scanning ${thousands(lines)} lines, one document open`,
      `${(peak / 1024).toFixed(0)} MB`,
      `≤ ${BUDGET.rssMb} MB`,
      peak / 1024 <= BUDGET.rssMb,
    );
  } finally {
    clearInterval(poll);
    await client.stop();
  }
}

// ---- The run ----

function options(): { roots: string[]; skip: Set<string> } {
  const args = process.argv.slice(2);
  const skip = new Set(args.filter((arg) => arg.startsWith('--skip-')).map((arg) => arg.slice(7)));
  return {
    roots: args.filter((arg) => !arg.startsWith('--')).map((arg) => path.resolve(arg)),
    skip,
  };
}

async function main(): Promise<void> {
  const { roots: given, skip } = options();
  let roots = given;
  if (roots.length === 0) {
    const missing = DEBIAN_PACKAGES.filter((folder) => !fs.existsSync(folder));
    if (missing.length > 0) {
      throw new Error(
        `${missing.join(', ')} missing: apt-get install -y python3-torch python3-scipy python3-sklearn`,
      );
    }
    roots = [
      ...DEBIAN_PACKAGES,
      generateTypeScriptSet(path.join(os.tmpdir(), 'nanguard-bench-ts')),
    ];
  }
  const cores = os.availableParallelism();
  console.log(`NaN Guard benchmark on ${roots.join(', ')}`);
  console.log(
    `${cores} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );

  await initParsers();
  const files = await collectFiles(roots);
  const lines = files.reduce((sum, file) => sum + file.lines, 0);
  const python = files.filter((file) => file.language === 'python');
  const pythonLines = python.reduce((sum, file) => sum + file.lines, 0);
  row(
    'corpus',
    `${thousands(files.length)} files, ${thousands(lines)} lines (${thousands(pythonLines)} Python)`,
  );

  // One untimed pass over a slice warms the JIT and the file cache for every pass after it.
  engineScan(files.slice(0, 300));

  console.log('\nEngine, one core, in process');
  const split = engineScan(files);
  const treeSitterMs = split.treeSitterAlone;
  const scanMs = split.prefilter + split.parse + split.analyse + split.report;
  row('wall time (read + pre-filter + parse + analyse + report)', seconds(scanMs + split.read));
  row(
    'split',
    `read ${seconds(split.read)}, pre-filter ${seconds(split.prefilter)}, parse ${seconds(split.parse)} ` +
      `(${thousands(split.parsed)} files passed the pre-filter), analyse ${seconds(split.analyse)}, ` +
      `report ${seconds(split.report)}; ${thousands(split.findings)} findings`,
  );
  row(
    'scan throughput per core',
    `${thousands(perSecond(lines, scanMs + split.read))} lines/s`,
    `≥ ${thousands(BUDGET.linesPerSecondPerCore)} lines/s`,
    perSecond(lines, scanMs + split.read) >= BUDGET.linesPerSecondPerCore,
  );
  row(
    'tree-sitter alone, parsing every file',
    `${seconds(treeSitterMs)} (${thousands(perSecond(lines, treeSitterMs))} lines/s)`,
  );
  row(
    'scan ÷ tree-sitter alone (both without reading)',
    `${(scanMs / treeSitterMs).toFixed(2)}×`,
    `≤ ${BUDGET.timesTreeSitter}×`,
    scanMs / treeSitterMs <= BUDGET.timesTreeSitter,
  );
  row(
    'analyse alone ÷ tree-sitter alone (the rules’ share of the time)',
    `${(split.analyse / treeSitterMs).toFixed(2)}×`,
  );

  console.log('\nDeep nesting (every level a hazard for several rules)');
  deepNesting();

  console.log('\nOther tools on the Python files');
  const pythonTreeSitterMs = treeSitterAlone(python);
  const cpython = cpythonParse(python);
  if (typeof cpython === 'string') row('CPython ast.parse', `not measured: ${cpython}`);
  else {
    row(
      'CPython ast.parse',
      `${seconds(cpython.parseMs)} (${thousands(perSecond(pythonLines, cpython.parseMs))} lines/s, ` +
        `${cpython.failed} files rejected); tree-sitter ÷ ast.parse ` +
        `${(pythonTreeSitterMs / cpython.parseMs).toFixed(2)}×`,
    );
  }
  await flake8(skip, given.length > 0 ? given : DEBIAN_PACKAGES, pythonLines, cores);

  console.log('\nCLI end to end');
  await cliEndToEnd(skip, roots, lines, cores);

  console.log('\nLanguage server');
  if (skip.has('server')) row('language server', 'skipped (--skip-server)');
  else {
    await editorLatency();
    await serverScanMemory(roots, lines);
  }

  printTable();
}

/**
 * A pathological file: `np.log(1 + np.exp(` nested level after level. Rules that look up the
 * tree from each hazard must not make its analysis grow faster than the square of the depth.
 */
function deepNesting(): void {
  for (const depth of [250, 500, 1000]) {
    const text = `import numpy as np\ny = ${'np.log(1 + np.exp('.repeat(depth)}x${'))'.repeat(depth)}\n`;
    const options = { rules: allRules };
    const tree = parse(text, 'python');
    try {
      const start = performance.now();
      const { findings } = analyzeTree(tree, text, 'python', { ...options, withFixes: false });
      const analyseMs = performance.now() - start;
      const withFixes = performance.now();
      analyzeTree(tree, text, 'python', { ...options, withFixes: true });
      row(
        `${thousands(depth)} levels (${thousands(text.length)} characters)`,
        `analysis ${seconds(analyseMs)}, with fixes ${seconds(performance.now() - withFixes)}, ` +
          `${thousands(findings.length)} findings`,
      );
    } finally {
      tree.delete();
    }
  }
}

async function flake8(skip: Set<string>, roots: string[], pythonLines: number, cores: number) {
  const flake8Path = which('flake8');
  if (skip.has('flake8') || !flake8Path) {
    row('flake8', skip.has('flake8') ? 'skipped (--skip-flake8)' : 'not installed');
    return;
  }
  const run = await timeCommand(
    flake8Path,
    ['--exit-zero', '-j', String(cores), ...roots],
    path.join(os.tmpdir(), 'nanguard-bench-flake8.txt'),
  );
  row(
    `flake8 -j ${cores} on the Python folders`,
    `${seconds(run.ms)} (${thousands(perSecond(pythonLines, run.ms))} lines/s)`,
  );
  lastFlake8Ms = run.ms;
}

let lastFlake8Ms: number | null = null;

async function cliEndToEnd(skip: Set<string>, roots: string[], lines: number, cores: number) {
  if (skip.has('cli') || !fs.existsSync(CLI)) {
    row(
      'CLI',
      skip.has('cli')
        ? 'skipped (--skip-cli)'
        : 'not measured: dist/cli.js is missing (npm run build)',
    );
    return;
  }
  for (const jobs of [...new Set([1, cores])]) {
    const output = path.join(os.tmpdir(), `nanguard-bench-cli-${jobs}.json`);
    const args = [CLI, 'check', ...roots, '--format', 'json', '--exit-zero', '--no-progress'];
    const run = await timeCommand(process.execPath, [...args, '--jobs', String(jobs)], output);
    if (run.code !== 0) {
      row(`CLI --jobs ${jobs}`, `exit code ${run.code}: ${run.stderr.trim().split('\n').pop()}`);
      continue;
    }
    const findings = (JSON.parse(fs.readFileSync(output, 'utf8')) as unknown[]).length;
    const rate = perSecond(lines, run.ms);
    row(
      `CLI check --format json --jobs ${jobs}`,
      `${seconds(run.ms)}, ${thousands(findings)} findings, ${thousands(rate)} lines/s ` +
        `(${thousands(Math.round(rate / jobs))} per core)`,
      `≥ ${thousands(BUDGET.linesPerSecondPerCore)} lines/s per core`,
      rate / jobs >= BUDGET.linesPerSecondPerCore,
    );
    if (lastFlake8Ms !== null && jobs === cores) {
      row(`CLI ÷ flake8 (both on ${cores} cores)`, `${(run.ms / lastFlake8Ms).toFixed(2)}×`);
    }
  }
}

function printTable(): void {
  const judged = rows.filter((entry) => entry.pass !== undefined);
  const width = Math.max(...judged.map((entry) => entry.measure.length));
  console.log('\nBudgets');
  for (const entry of judged) {
    console.log(
      `  ${entry.pass ? 'PASS' : 'FAIL'}  ${entry.measure.padEnd(width)}  ${entry.value}  (budget ${entry.budget})`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
