// The real-world cases (test/fixtures/rules/*/case-*.py), run as the scripts they are: the
// original and the text after every fix of every rule (what `nanguard check --unsafe-fixes`
// writes), both under Debian's /usr/bin/python3 with numpy, scipy and torch. The fixed script
// must run and print only finite numbers; the original must be visibly broken: it raises,
// prints inf/NaN, or prints a finite but wrong result that the fixed one corrects.

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { initParsers } from '../../rules/engine/parser';
import { applyFirstFixes, FIXTURE_ROOT } from '../support/fixtures';

const DEBIAN_PYTHON = '/usr/bin/python3';

/** Cases whose original prints a finite but wrong value: what the fixed script must print. */
const CORRECTED_OUTPUT: Record<string, RegExp> = {
  'nsa-006': /tensor\(75\.73\d*\)/, // BCELoss clamps log(0) at -100; the logits form is exact.
  'nsa-018': /^-2763\.79\d* -2486\.53\d*$/m, // Both products underflowed to 0.0, a tie.
  'nsa-021': /^(1e-100|9\.9999999999\d*e-101)$/m, // 1 - exp(-x) and log(1 - q) lost x = 1e-100.
  'nsa-030': /^0$/m, // 170 of 1,000 identical pairs gave arccos(1 + ulp) = NaN.
  'nsa-033': /\[1\.0 -- 3\.0\]/, // The NaN is masked once the comparison uses isnan.
  'nsa-035': /4900000000/, // 70000 * 70000 wrapped around in int32.
};

/**
 * FIXME: these cases need TensorFlow, JAX or a CUDA device, none of which this machine has (Debian
 * packages neither library); they are checked here only for failing the way that explains it.
 */
const NEEDS_WHAT_IS_MISSING: Record<string, RegExp> = {
  'nsa-010': /No module named 'tensorflow'/,
  'nsa-025': /No module named 'jax'/,
  'nsa-027': /not compiled with CUDA/,
  'nsa-038': /No module named 'tensorflow'/,
};

/** Cases whose fix is not numerical: the clip moves before the step; no output to compare. */
const NOT_NUMERICAL: Record<string, string> = {
  'nsa-037': 'the fix moves clip_grad_norm_ before opt.step(); the NG802 fixture checks the text',
};

/** FIXME: NG101 offers no rewrite for a scatter softmax (index_add_ over groups) yet. */
const NO_FIX_YET = new Set(['nsa-001']);

interface CaseScript {
  id: string;
  original: string;
  fixed: string;
}

interface Run {
  stdout: string;
  error: string | null;
}

const NON_FINITE = /\b(nan|inf)\b/i;

function caseScripts(): CaseScript[] {
  const byId = new Map<string, string>();
  for (const code of fs.readdirSync(FIXTURE_ROOT).sort()) {
    for (const file of fs.readdirSync(path.join(FIXTURE_ROOT, code)).sort()) {
      const match = /^case-(nsa-\d+)\.py$/.exec(file);
      if (match && !byId.has(match[1])) byId.set(match[1], path.join(FIXTURE_ROOT, code, file));
    }
  }
  return [...byId].map(([id, file]) => {
    const original = fs.readFileSync(file, 'utf8');
    return { id, original, fixed: applyFirstFixes(original, 'python') };
  });
}

function runAll(cases: CaseScript[]): Map<string, { original: Run; fixed: Run }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-cases-'));
  const paths: string[] = [];
  for (const item of cases) {
    for (const kind of ['original', 'fixed'] as const) {
      const file = path.join(folder, `${item.id.replace('-', '_')}_${kind}.py`);
      fs.writeFileSync(file, item[kind]);
      paths.push(file);
    }
  }
  const output = execFileSync(DEBIAN_PYTHON, [path.join(__dirname, 'run_cases.py'), ...paths], {
    cwd: folder,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const runs = JSON.parse(output) as Record<string, Run>;
  fs.rmSync(folder, { recursive: true, force: true });
  return new Map(
    cases.map((item, index) => [
      item.id,
      { original: runs[paths[2 * index]], fixed: runs[paths[2 * index + 1]] },
    ]),
  );
}

describe('real-world cases run before and after their fixes', () => {
  let cases: CaseScript[] = [];
  let runs = new Map<string, { original: Run; fixed: Run }>();

  before(async () => {
    await initParsers(['python']);
    cases = caseScripts();
    runs = runAll(cases);
  });

  test('every case is accounted for', () => {
    assert.ok(cases.length >= 20, `found ${cases.length} case scripts`);
  });

  test('each fixed case runs, prints only finite numbers, and corrects the original', () => {
    const problems: string[] = [];
    for (const item of cases) {
      const run = runs.get(item.id);
      if (!run || item.id in NEEDS_WHAT_IS_MISSING || item.id in NOT_NUMERICAL) continue;
      if (NO_FIX_YET.has(item.id)) {
        if (item.fixed !== item.original) problems.push(`${item.id}: now has a fix; check it here`);
        continue;
      }
      const { original, fixed } = run;
      if (fixed.error) problems.push(`${item.id}: the fixed script raised ${fixed.error}`);
      if (NON_FINITE.test(fixed.stdout)) problems.push(`${item.id}: fixed prints ${fixed.stdout}`);
      const corrected = CORRECTED_OUTPUT[item.id];
      if (corrected) {
        if (!corrected.test(fixed.stdout))
          problems.push(`${item.id}: fixed prints ${fixed.stdout}`);
        if (corrected.test(original.stdout)) problems.push(`${item.id}: the original was right`);
      } else if (!original.error && !NON_FINITE.test(original.stdout)) {
        problems.push(`${item.id}: the original is finite (${original.stdout.trim()}): no proof`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('cases that need TensorFlow, JAX or CUDA fail for that reason alone, and are fixed', () => {
    for (const [id, missing] of Object.entries(NEEDS_WHAT_IS_MISSING)) {
      const item = cases.find((candidate) => candidate.id === id);
      const run = runs.get(id);
      assert.ok(item && run, `${id} is a case fixture`);
      assert.match(run.original.error ?? '', missing);
      assert.match(run.fixed.error ?? '', missing);
      assert.notEqual(item.fixed, item.original, `${id} gets a fix`);
    }
  });
});
