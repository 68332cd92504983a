// The numerical checks of fixes: discovering the `<name>.numeric.json` sidecars beside the rule
// fixtures, running the original and the fixed code (Python through Debian's interpreter,
// TypeScript and JavaScript in a Node sandbox) and judging the results.
//
// Sidecar format:
//   {"call": "<function defined in both files>", "ordinary": [[args...], ...],
//    "extreme": [[args...], ...], "tolerance": 1e-6, "arrays": true, "absolute": 1e-12}
// With "arrays" true, numbers and lists become float64 numpy arrays (plain arrays in JavaScript);
// {"torch": [...]} is a torch float32 tensor, {"np32": [...]} a float32 and {"np64": [...]} a
// float64 numpy array whatever "arrays" says. "absolute" is an optional absolute floor for the
// comparison (default 1e-12). "expected" (optional) holds the right result of each extreme input;
// with it, "ordinary" may be empty, for fixes that change a wrong result on purpose.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { transform } from 'esbuild';
import { languageForPath, SOURCE_EXTENSIONS } from '../../rules/engine/parser';
import type { LanguageId } from '../../rules/engine/types';

/** Debian's interpreter: numpy, scipy and torch come from its packages, not from pip. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const RUNNER = path.join(__dirname, 'run_fix.py');
export const DEFAULT_ABSOLUTE_FLOOR = 1e-12;

export interface Sidecar {
  call: string;
  ordinary: unknown[][];
  extreme: unknown[][];
  /** Optional: what the fixed function returns on each extreme input, where finiteness alone
   * does not show the hazard (a comparison with NaN gives a wrong answer, not an infinity). */
  expected: unknown[] | null;
  tolerance: number;
  arrays: boolean;
  absolute: number;
}

export interface NumericCase {
  /** `NG101 numpy-one-line`, as tests and messages name it. */
  id: string;
  sidecarPath: string;
  originalPath: string | null;
  fixedPath: string | null;
  language: LanguageId | null;
  sidecar: Sidecar | null;
  /** Why the case cannot run at all: a missing file, an unreadable sidecar. */
  setupProblem: string | null;
}

/** A result in the neutral form that both runners produce. */
export type Described =
  | { kind: 'array'; shape: number[]; values: (number | 'nan' | 'inf' | '-inf')[] }
  | { kind: 'tuple'; items: Described[] }
  | { kind: 'none' }
  | { kind: 'other'; repr: string };

/** `missing` marks a file that does not define the function the sidecar names. */
export type CallOutcome = { value: Described } | { error: string; missing?: boolean };

export interface CaseResults {
  ordinary: { original: CallOutcome; fixed: CallOutcome }[];
  extreme: { original: CallOutcome; fixed: CallOutcome }[];
}

export type CaseOutcome = { results: CaseResults } | { error: string };

export function discoverNumericCases(fixtureRoot: string): NumericCase[] {
  const cases: NumericCase[] = [];
  for (const code of fs.readdirSync(fixtureRoot).sort()) {
    const directory = path.join(fixtureRoot, code);
    if (!fs.statSync(directory).isDirectory()) continue;
    for (const file of fs.readdirSync(directory).sort()) {
      if (!file.endsWith('.numeric.json')) continue;
      cases.push(readCase(directory, code, file.slice(0, -'.numeric.json'.length)));
    }
  }
  return cases;
}

function readCase(directory: string, code: string, name: string): NumericCase {
  const sidecarPath = path.join(directory, `${name}.numeric.json`);
  const numericCase: NumericCase = {
    id: `${code} ${name}`,
    sidecarPath,
    originalPath: null,
    fixedPath: null,
    language: null,
    sidecar: null,
    setupProblem: null,
  };
  const sources = SOURCE_EXTENSIONS.map((extension) => path.join(directory, name + extension));
  const original = sources.find((source) => fs.existsSync(source));
  if (!original) {
    numericCase.setupProblem = `${name}.numeric.json has no fixture ${name}.<py|ts|js> beside it`;
    return numericCase;
  }
  numericCase.originalPath = original;
  numericCase.language = languageForPath(original);
  const extension = path.extname(original);
  const fixed = path.join(directory, `${name}.fixed${extension}`);
  if (!fs.existsSync(fixed)) {
    numericCase.setupProblem = `${path.basename(original)} has a sidecar but no ${name}.fixed${extension}`;
    return numericCase;
  }
  numericCase.fixedPath = fixed;
  try {
    numericCase.sidecar = parseSidecar(fs.readFileSync(sidecarPath, 'utf8'));
  } catch (error) {
    numericCase.setupProblem = `${name}.numeric.json: ${(error as Error).message}`;
  }
  return numericCase;
}

export function parseSidecar(json: string): Sidecar {
  const raw = parseWithNonFinite(json) as Record<string, unknown>;
  if (typeof raw.call !== 'string' || raw.call.length === 0) {
    throw new Error('"call" must name the function to run');
  }
  const inputs = (key: string, mayBeEmpty = false): unknown[][] => {
    const value = raw[key];
    const empty = Array.isArray(value) && value.length === 0;
    if (!Array.isArray(value) || (empty && !mayBeEmpty) || !value.every(Array.isArray)) {
      throw new Error(`"${key}" must be a non-empty list of argument lists`);
    }
    return value as unknown[][];
  };
  const tolerance = raw.tolerance ?? 1e-6;
  const absolute = raw.absolute ?? DEFAULT_ABSOLUTE_FLOOR;
  if (typeof tolerance !== 'number' || !(tolerance > 0)) throw new Error('"tolerance" must be > 0');
  if (typeof absolute !== 'number' || !(absolute >= 0)) throw new Error('"absolute" must be ≥ 0');
  const extreme = inputs('extreme');
  const expected = raw.expected;
  if (expected !== undefined && (!Array.isArray(expected) || expected.length !== extreme.length)) {
    throw new Error('"expected" must hold one result per extreme input');
  }
  return {
    call: raw.call,
    // A fix that corrects a wrong result on purpose (a loss fed probabilities where it wants
    // log-probabilities) agrees with the original on no input; such a sidecar leaves "ordinary"
    // empty and checks every input against "expected" instead.
    ordinary: inputs('ordinary', expected !== undefined),
    extreme,
    expected: (expected as unknown[] | undefined) ?? null,
    tolerance,
    arrays: raw.arrays !== false,
    absolute,
  };
}

// Sidecars may write NaN, Infinity and -Infinity as Python's json module does. Inside this
// process they travel as marker strings, which never occur in real arguments.
const NON_FINITE_MARKERS: Record<string, number> = {
  '\u0000NaN': NaN,
  '\u0000Infinity': Infinity,
  '\u0000-Infinity': -Infinity,
};

function markerOf(value: number): string {
  return `\u0000${value}`;
}

/** JSON.parse that also reads the bare NaN, Infinity and -Infinity that Python writes. */
export function parseWithNonFinite(json: string): unknown {
  const marked = json.replace(
    /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g,
    (token, bare: string | undefined) => (bare ? JSON.stringify(`\u0000${bare}`) : token),
  );
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value in NON_FINITE_MARKERS ? NON_FINITE_MARKERS[value] : value,
  );
}

/** JSON.stringify whose output keeps NaN and the infinities as Python's json module reads them. */
export function stringifyWithNonFinite(value: unknown): string {
  const marked = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item) ? markerOf(item) : item,
  );
  return marked.replace(/"\\u0000(-?Infinity|NaN)"/g, '$1');
}

// ---- Running Python ----

/**
 * Runs every Python case in one process of Debian's interpreter, so that torch is imported once.
 * Each case has its own time budget inside the runner; the process as a whole has their sum.
 */
export async function runPythonCases(
  cases: NumericCase[],
  fixtureRoot: string,
  secondsPerCase: number,
): Promise<Map<string, CaseOutcome>> {
  const outcomes = new Map<string, CaseOutcome>();
  if (cases.length === 0) return outcomes;
  const request = {
    root: fixtureRoot,
    timeout: secondsPerCase,
    cases: cases.map((numericCase) => ({
      id: numericCase.id,
      original: numericCase.originalPath,
      fixed: numericCase.fixedPath,
      ...numericCase.sidecar,
    })),
  };
  const { stdout, stderr, failure } = await runProcess(
    DEBIAN_PYTHON,
    [RUNNER],
    stringifyWithNonFinite(request),
    (secondsPerCase * cases.length + 60) * 1000,
  );
  for (const line of stdout.split('\n')) {
    if (line.trim().length === 0) continue;
    const parsed = JSON.parse(line) as { id: string } & CaseOutcome;
    outcomes.set(parsed.id, parsed);
  }
  for (const numericCase of cases) {
    if (outcomes.has(numericCase.id)) continue;
    const reason = failure ?? 'the runner gave no result';
    outcomes.set(numericCase.id, { error: `${reason}\n${lastLines(stderr, 15)}` });
  }
  return outcomes;
}

function runProcess(
  command: string,
  args: string[],
  input: string,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; failure: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let failure: string | null = null;
    const timer = setTimeout(() => {
      failure = `${command} ran longer than ${timeoutMs / 1000} s and was stopped`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      failure = `cannot start ${command}: ${error.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure === null && code !== 0) failure = `${command} exited with code ${code}`;
      resolve({ stdout, stderr, failure });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

// ---- Running TypeScript and JavaScript ----

/**
 * Runs a TypeScript or JavaScript case in a fresh V8 context: the fixture is transpiled to
 * CommonJS, may use `Math` and the language's built-ins, and can import nothing.
 */
export async function runScriptCase(
  numericCase: NumericCase,
  timeoutMs: number,
): Promise<CaseOutcome> {
  const sidecar = numericCase.sidecar;
  if (!sidecar || !numericCase.originalPath || !numericCase.fixedPath) {
    return { error: 'the case is incomplete' };
  }
  try {
    const original = await loadScript(numericCase.originalPath, timeoutMs);
    const fixed = await loadScript(numericCase.fixedPath, timeoutMs);
    const run = (inputs: unknown[][]) =>
      inputs.map((args) => ({
        original: callScript(original, sidecar.call, args, sidecar.arrays, timeoutMs),
        fixed: callScript(fixed, sidecar.call, args, sidecar.arrays, timeoutMs),
      }));
    return { results: { ordinary: run(sidecar.ordinary), extreme: run(sidecar.extreme) } };
  } catch (error) {
    return { error: `could not run: ${(error as Error).message}` };
  }
}

interface LoadedScript {
  context: vm.Context;
  exports: Record<string, unknown>;
}

async function loadScript(file: string, timeoutMs: number): Promise<LoadedScript> {
  const source = fs.readFileSync(file, 'utf8');
  const loader = /\.(tsx|jsx)$/.test(file) ? 'tsx' : /\.[mc]?ts$/.test(file) ? 'ts' : 'js';
  const { code } = await transform(source, { loader, format: 'cjs', target: 'es2022' });
  const module = { exports: {} as Record<string, unknown> };
  const refuse = (name: string): never => {
    throw new Error(`${path.basename(file)} imports ${name}; numeric fixtures may use Math only`);
  };
  const context = vm.createContext({ module, exports: module.exports, require: refuse });
  vm.runInContext(code, context, { filename: file, timeout: timeoutMs });
  return { context, exports: module.exports };
}

function callScript(
  script: LoadedScript,
  name: string,
  args: unknown[],
  arrays: boolean,
  timeoutMs: number,
): CallOutcome {
  const exported = script.exports[name];
  if (typeof exported !== 'function') {
    return { error: `exports no function ${name}()`, missing: true };
  }
  try {
    // The arguments cross into the sandbox as JSON so that they carry no outside prototypes.
    const marked = JSON.stringify(
      args.map((arg) => scriptArgument(arg, arrays)),
      (_key, item: unknown) =>
        typeof item === 'number' && !Number.isFinite(item) ? markerOf(item) : item,
    );
    script.context.__numericArgs = marked;
    const revive = `(k, v) => typeof v === 'string' && v.charCodeAt(0) === 0 ? Number(v.slice(1)) : v`;
    const result = vm.runInContext(
      `module.exports[${JSON.stringify(name)}](...JSON.parse(__numericArgs, ${revive}))`,
      script.context,
      { timeout: timeoutMs },
    );
    return { value: describeScriptValue(result) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function scriptArgument(value: unknown, arrays: boolean): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [key] = Object.keys(value);
    throw new Error(`{"${key}": ...} arguments exist only for Python fixtures (arrays: ${arrays})`);
  }
  return value;
}

/** A JavaScript value in the neutral form: numbers and rectangular arrays of numbers. */
export function describeScriptValue(value: unknown): Described {
  if (value === undefined || value === null) return { kind: 'none' };
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'array', shape: [], values: [encodeNumber(Number(value))] };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const numbers = Array.from(value as unknown as ArrayLike<number>, Number);
    return { kind: 'array', shape: [numbers.length], values: numbers.map(encodeNumber) };
  }
  if (Array.isArray(value)) {
    const shape = rectangularShape(value);
    if (shape) {
      return { kind: 'array', shape, values: (value.flat(Infinity) as number[]).map(encodeNumber) };
    }
    return { kind: 'tuple', items: value.map(describeScriptValue) };
  }
  return { kind: 'other', repr: String(value).slice(0, 200) };
}

function rectangularShape(value: unknown): number[] | null {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value) || value.length === 0) return Array.isArray(value) ? [0] : null;
  const inner = value.map(rectangularShape);
  const first = inner[0];
  if (!first || inner.some((shape) => !shape || shape.join() !== first.join())) return null;
  return [value.length, ...first];
}

function encodeNumber(value: number): number | 'nan' | 'inf' | '-inf' {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return value;
}

// ---- Judging ----

function decode(value: number | string): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return value as number;
}

/** Relative agreement with a small absolute floor; NaN equals only NaN, inf only the same inf. */
export function close(a: number, b: number, tolerance: number, absolute: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b)) + absolute;
}

/** Differences between two results, as sentences; empty when they agree. */
export function differences(
  original: Described,
  fixed: Described,
  tolerance: number,
  absolute: number,
  where = 'result',
): string[] {
  if (original.kind !== fixed.kind) {
    return [`${where}: the original gives ${original.kind}, the fix ${fixed.kind}`];
  }
  if (original.kind === 'tuple' && fixed.kind === 'tuple') {
    if (original.items.length !== fixed.items.length) {
      return [`${where}: ${original.items.length} items before, ${fixed.items.length} after`];
    }
    return original.items.flatMap((item, index) =>
      differences(item, fixed.items[index], tolerance, absolute, `${where}[${index}]`),
    );
  }
  if (original.kind === 'other' && fixed.kind === 'other') {
    return original.repr === fixed.repr ? [] : [`${where}: ${original.repr} ≠ ${fixed.repr}`];
  }
  if (original.kind !== 'array' || fixed.kind !== 'array') return [];
  if (original.shape.join() !== fixed.shape.join()) {
    return [`${where}: shape [${original.shape}] before, [${fixed.shape}] after`];
  }
  const found: string[] = [];
  original.values.forEach((value, index) => {
    const before = decode(value);
    const after = decode(fixed.values[index]);
    if (!close(before, after, tolerance, absolute) && found.length < 3) {
      found.push(`${where} element ${index}: ${before} before, ${after} after`);
    }
  });
  return found;
}

/** The values of a result that are NaN or infinite, described; empty when all are finite. */
export function nonFinite(result: Described, where = 'result'): string[] {
  if (result.kind === 'tuple') {
    return result.items.flatMap((item, index) => nonFinite(item, `${where}[${index}]`));
  }
  if (result.kind !== 'array') return [];
  const bad = result.values
    .map((value, index) => ({ value: decode(value), index }))
    .filter(({ value }) => !Number.isFinite(value));
  if (bad.length === 0) return [];
  const sample = bad.slice(0, 3).map(({ value, index }) => `[${index}] = ${value}`);
  return [
    `${where}: ${bad.length} of ${result.values.length} values not finite (${sample.join(', ')})`,
  ];
}

export interface Verdict {
  problems: string[];
  /** For each extreme input, how the original broke (an exception or non-finite values). */
  originalBreaks: string[];
}

/** Every assertion of one case, in words, so that a failure names the input and the values. */
export function judge(sidecar: Sidecar, results: CaseResults): Verdict {
  const problems: string[] = [];
  const originalBreaks: string[] = [];
  results.ordinary.forEach(({ original, fixed }, index) => {
    const input = `ordinary input #${index + 1} ${preview(sidecar.ordinary[index])}`;
    if ('error' in original) problems.push(`${input}: the original raised ${original.error}`);
    if ('error' in fixed) problems.push(`${input}: the fix raised ${fixed.error}`);
    if ('value' in original && 'value' in fixed) {
      for (const difference of differences(
        original.value,
        fixed.value,
        sidecar.tolerance,
        sidecar.absolute,
      )) {
        problems.push(`${input}: ${difference} (tolerance ${sidecar.tolerance})`);
      }
    }
  });
  results.extreme.forEach(({ original, fixed }, index) => {
    const input = `extreme input #${index + 1} ${preview(sidecar.extreme[index])}`;
    if ('error' in fixed) problems.push(`${input}: the fix raised ${fixed.error}`);
    if ('missing' in original) problems.push(`${input}: the original ${original.error}`);
    if ('error' in fixed || 'missing' in original) return;
    for (const bad of nonFinite(fixed.value)) problems.push(`${input}: after the fix, ${bad}`);
    const expected = sidecar.expected ? describeScriptValue(sidecar.expected[index]) : null;
    if (expected) {
      for (const difference of differences(
        expected,
        fixed.value,
        sidecar.tolerance,
        sidecar.absolute,
        'expected',
      )) {
        problems.push(`${input}: after the fix, ${difference.replace(' before,', ' expected,')}`);
      }
    }
    const broke = 'error' in original ? [`raised ${original.error}`] : nonFinite(original.value);
    if (expected && 'value' in original) {
      const wrong = differences(expected, original.value, sidecar.tolerance, sidecar.absolute);
      broke.push(
        ...wrong.map((difference) => `is wrong: ${difference.replace(' before,', ' expected,')}`),
      );
    }
    if (broke.length === 0) {
      problems.push(
        `${input}: the original is finite here too, so this input proves nothing about the fix; ` +
          'choose a value where the original overflows or underflows, move it to "ordinary", ' +
          'or give "expected" results where the original is finite but wrong',
      );
    } else {
      originalBreaks.push(`${input}: the original ${broke.join('; ')}`);
    }
  });
  return { problems, originalBreaks };
}

function preview(args: unknown[] | undefined): string {
  const text = stringifyWithNonFinite(args ?? []);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
