// Numerical checks of the fixes: every fixture with a `.fixed` file and a `.numeric.json` sidecar
// runs before and after its fix with the real libraries. On ordinary inputs the two must agree;
// on extreme inputs the original must break (or the input proves nothing) and the fix must stay
// finite. Python runs under Debian's /usr/bin/python3, where numpy, scipy and torch are installed;
// TypeScript and JavaScript run in a Node sandbox with nothing to import.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { FIXTURE_ROOT } from '../support/fixtures';
import {
  type CaseOutcome,
  close,
  DEBIAN_PYTHON,
  describeScriptValue,
  differences,
  discoverNumericCases,
  judge,
  type NumericCase,
  nonFinite,
  parseSidecar,
  runPythonCases,
  runScriptCase,
} from './harness';

const SECONDS_PER_CASE = 60;

function report(
  numericCase: NumericCase,
  outcome: CaseOutcome | undefined,
  note: (message: string) => void,
): void {
  assert.equal(numericCase.setupProblem, null, numericCase.setupProblem ?? '');
  assert.ok(outcome, `${numericCase.id}: no result`);
  if ('error' in outcome) assert.fail(`${numericCase.id}: ${outcome.error}`);
  const verdict = judge(numericCase.sidecar!, outcome.results);
  for (const broke of verdict.originalBreaks) note(broke);
  const lines = verdict.problems.map((problem) => `  ${problem}`).join('\n');
  assert.deepEqual(verdict.problems, [], `${numericCase.id}:\n${lines}`);
}

describe('numerical checks of fixes', () => {
  const cases = discoverNumericCases(FIXTURE_ROOT);
  const python = cases.filter((c) => c.language === 'python' && !c.setupProblem);
  const outcomes = new Map<string, CaseOutcome>();

  before(async () => {
    for (const [id, outcome] of await runPythonCases(python, FIXTURE_ROOT, SECONDS_PER_CASE)) {
      outcomes.set(id, outcome);
    }
  });

  test('Debian’s interpreter has numpy, scipy and torch', async () => {
    assert.ok(
      fs.existsSync(DEBIAN_PYTHON),
      `${DEBIAN_PYTHON} is missing: apt-get install -y python3-numpy python3-scipy python3-torch`,
    );
  });

  for (const numericCase of cases) {
    test(numericCase.id, async (context) => {
      if (numericCase.language !== 'python' && !numericCase.setupProblem) {
        outcomes.set(numericCase.id, await runScriptCase(numericCase, SECONDS_PER_CASE * 1000));
      }
      report(numericCase, outcomes.get(numericCase.id), (message) => context.diagnostic(message));
    });
  }
});

describe('numeric harness', () => {
  test('relative comparison with an absolute floor; NaN equals only NaN', () => {
    assert.ok(close(1, 1 + 1e-9, 1e-6, 0));
    assert.ok(!close(1, 1.001, 1e-6, 0));
    assert.ok(close(0, 1e-13, 1e-6, 1e-12));
    assert.ok(close(NaN, NaN, 1e-6, 0));
    assert.ok(!close(NaN, 0, 1e-6, 0));
    assert.ok(close(Infinity, Infinity, 1e-6, 0));
    assert.ok(!close(Infinity, -Infinity, 1e-6, 0));
  });

  test('results are compared by shape and element, tuples item by item', () => {
    const row = describeScriptValue([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(row, { kind: 'array', shape: [2, 2], values: [1, 2, 3, 4] });
    assert.deepEqual(differences(row, describeScriptValue([1, 2, 3, 4]), 1e-6, 0), [
      'result: shape [2,2] before, [4] after',
    ]);
    const pair = describeScriptValue([[1, 2], 3]);
    assert.equal(pair.kind, 'tuple');
    assert.deepEqual(nonFinite(describeScriptValue([1, NaN, Infinity])), [
      'result: 2 of 3 values not finite ([1] = NaN, [2] = Infinity)',
    ]);
  });

  test('a sidecar needs a function and both kinds of input', () => {
    assert.throws(() => parseSidecar('{"ordinary": [[1]], "extreme": [[2]]}'), /"call"/);
    assert.throws(() => parseSidecar('{"call": "f", "ordinary": [[1]]}'), /"extreme"/);
    assert.equal(parseSidecar('{"call": "f", "ordinary": [[1]], "extreme": [[2]]}').arrays, true);
    assert.throws(
      () => parseSidecar('{"call": "f", "ordinary": [], "extreme": [[2]]}'),
      /"ordinary"/,
    );
    const corrected = parseSidecar(
      '{"call": "f", "ordinary": [], "extreme": [[2]], "expected": [3]}',
    );
    assert.deepEqual(corrected.ordinary, []);
  });

  test('missing .fixed files, missing functions and weak extreme inputs fail', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-numeric-'));
    try {
      const folder = path.join(root, 'NG999');
      fs.mkdirSync(folder);
      const sidecar = (call: string) =>
        JSON.stringify({
          call,
          ordinary: [[1, 2]],
          extreme: [
            [1, 2],
            [800, 0],
          ],
          arrays: false,
        });
      fs.writeFileSync(path.join(folder, 'lonely.js'), 'export const f = () => 1;\n');
      fs.writeFileSync(path.join(folder, 'lonely.numeric.json'), sidecar('f'));
      const original =
        'export function f(a, b) { return Math.exp(a) / (Math.exp(a) + Math.exp(b)); }';
      const fixed = 'export function f(a, b) { return 1 / (1 + Math.exp(b - a)); }';
      fs.writeFileSync(path.join(folder, 'pair.js'), `${original}\n`);
      fs.writeFileSync(path.join(folder, 'pair.fixed.js'), `${fixed}\n`);
      fs.writeFileSync(path.join(folder, 'pair.numeric.json'), sidecar('f'));
      fs.writeFileSync(path.join(folder, 'absent.js'), `${original}\n`);
      fs.writeFileSync(path.join(folder, 'absent.fixed.js'), `${fixed}\n`);
      fs.writeFileSync(path.join(folder, 'absent.numeric.json'), sidecar('g'));

      const [absent, lonely, pair] = discoverNumericCases(root);
      assert.match(lonely.setupProblem ?? '', /no lonely\.fixed\.js/);

      const pairOutcome = await runScriptCase(pair, 5000);
      assert.ok('results' in pairOutcome);
      const verdict = judge(pair.sidecar!, pairOutcome.results);
      assert.equal(verdict.problems.length, 1, verdict.problems.join('\n'));
      assert.match(verdict.problems[0], /extreme input #1 .*proves nothing/);
      assert.match(verdict.originalBreaks[0], /extreme input #2 .*not finite/);

      const absentOutcome = await runScriptCase(absent, 5000);
      assert.ok('results' in absentOutcome);
      const absentVerdict = judge(absent.sidecar!, absentOutcome.results);
      assert.match(absentVerdict.problems.join('\n'), /the fix raised exports no function g\(\)/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
