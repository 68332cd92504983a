// Exit codes, --fix, --diff, --unsafe-fixes and the rule selection options.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { initParsers } from '../../rules/engine/parser';
import { applyFirstFixes } from '../support/fixtures';
import {
  CLEAN_SOURCE,
  NAIVE_SOFTMAX,
  findingLines,
  makeProject,
  removeProject,
  runCli,
} from './support';

/** NG101 (safe fix) and NG701 (x == np.nan, safe fix) in one file. */
const TWO_RULES = `${NAIVE_SOFTMAX}\ndef missing(x):\n    return x == np.nan\n`;

function withProject(files: Record<string, string | Buffer>, body: (root: string) => void): void {
  const root = makeProject(files);
  try {
    body(root);
  } finally {
    removeProject(root);
  }
}

describe('exit codes', () => {
  test('0 when nothing is found', () => {
    withProject({ 'a.py': CLEAN_SOURCE }, (root) => {
      const run = runCli(['check'], root);
      assert.equal(run.status, 0);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /No problems found \(1 file checked\)\./);
    });
  });

  test('1 when something is found, 0 with --exit-zero', () => {
    withProject({ 'a.py': NAIVE_SOFTMAX }, (root) => {
      assert.equal(runCli(['check'], root).status, 1);
      const zero = runCli(['check', '--exit-zero'], root);
      assert.equal(zero.status, 0);
      assert.deepEqual(findingLines(zero.stdout), ['a.py:4:12: NG101']);
    });
  });

  test('2 for a path that does not exist, naming it', () => {
    withProject({ 'a.py': NAIVE_SOFTMAX }, (root) => {
      const run = runCli(['check', 'a.py', 'missing.py'], root);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trim(), 'missing.py: no such file or directory');
    });
  });

  test('2 for an unknown option, a bad format, a bad code list or a bad --jobs', () => {
    withProject({ 'a.py': CLEAN_SOURCE }, (root) => {
      assert.equal(runCli(['check', '--frobnicate'], root).status, 2);
      assert.equal(runCli(['check', '--format', 'xml'], root).status, 2);
      const badCode = runCli(['check', '--select', 'NG1,E501'], root);
      assert.equal(badCode.status, 2);
      assert.match(badCode.stderr, /--select: "E501" is not a rule code/);
      assert.equal(runCli(['check', '--jobs', '0'], root).status, 2);
    });
  });

  test('0 for --help and --version', () => {
    withProject({}, (root) => {
      const help = runCli(['check', '--help'], root);
      assert.equal(help.status, 0);
      assert.match(help.stdout, /--unsafe-fixes/);
      assert.equal(runCli(['--version'], root).status, 0);
    });
  });
});

describe('--fix and --diff', () => {
  // The text the engine's own fix produces, which the CLI must write unchanged.
  let fixedSoftmax: string;
  before(async () => {
    await initParsers();
    fixedSoftmax = applyFirstFixes(NAIVE_SOFTMAX, 'python', 'NG101');
    assert.notEqual(fixedSoftmax, NAIVE_SOFTMAX);
  });

  test('--fix writes the fixed text, reports the count and exits 0 when nothing remains', () => {
    withProject({ 'a.py': NAIVE_SOFTMAX }, (root) => {
      const run = runCli(['check', '--fix'], root);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(fs.readFileSync(path.join(root, 'a.py'), 'utf8'), fixedSoftmax);
      assert.match(run.stderr, /^Fixed 1 problem\.$/m);
      assert.match(run.stderr, /No problems found/);
      assert.equal(runCli(['check'], root).status, 0);
    });
  });

  test('--fix keeps Windows line endings and a byte-order mark', () => {
    const crlf = `\ufeff${NAIVE_SOFTMAX.replace(/\n/g, '\r\n')}`;
    withProject({ 'a.py': crlf }, (root) => {
      assert.equal(runCli(['check', '--fix'], root).status, 0);
      const fixed = fs.readFileSync(path.join(root, 'a.py'), 'utf8');
      assert.ok(fixed.startsWith('\ufeffimport numpy as np\r\n'));
      assert.equal(fixed, `\ufeff${applyFirstFixes(crlf.slice(1), 'python', 'NG101')}`);
      assert.ok(fixed.endsWith('\r\n'));
    });
  });

  test('--diff prints a unified diff and writes nothing', () => {
    withProject({ 'a.py': NAIVE_SOFTMAX }, (root) => {
      const run = runCli(['check', '--diff'], root);
      assert.equal(run.status, 1);
      assert.equal(fs.readFileSync(path.join(root, 'a.py'), 'utf8'), NAIVE_SOFTMAX);
      assert.match(run.stdout, /^--- a\/a\.py\n\+\+\+ b\/a\.py\n@@ /);
      assert.match(run.stdout, /^- {4}return np\.exp\(x\) \/ np\.sum\(np\.exp\(x\)\)$/m);
      const added = run.stdout
        .split('\n')
        .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
        .map((line) => line.slice(1));
      const fixedLines = fixedSoftmax.split('\n');
      assert.ok(added.length > 0);
      for (const line of added) assert.ok(fixedLines.includes(line), line);
      assert.match(run.stderr, /Would fix 1 problem in 1 file\./);
    });
  });

  test('--diff on a clean tree prints nothing and exits 0', () => {
    withProject({ 'a.py': CLEAN_SOURCE }, (root) => {
      const run = runCli(['check', '--diff'], root);
      assert.equal(run.status, 0);
      assert.equal(run.stdout, '');
    });
  });

  test('--fix leaves unsafe fixes alone; --unsafe-fixes applies them', () => {
    // NG801 (no gradient clipping between backward and step) has only an unsafe fix.
    const training = [
      'import torch',
      '',
      'def train(model, optimizer, loss):',
      '    loss.backward()',
      '    optimizer.step()',
      '',
    ].join('\n');
    withProject({ 'train.py': training }, (root) => {
      const safeOnly = runCli(['check', '--fix', '--select', 'NG801'], root);
      assert.equal(safeOnly.status, 1);
      assert.equal(fs.readFileSync(path.join(root, 'train.py'), 'utf8'), training);
      assert.match(safeOnly.stderr, /\(1 fixable with --unsafe-fixes\)/);

      const unsafe = runCli(['check', '--unsafe-fixes', '--select', 'NG801'], root);
      assert.equal(unsafe.status, 0, unsafe.stdout + unsafe.stderr);
      assert.match(fs.readFileSync(path.join(root, 'train.py'), 'utf8'), /clip_grad_norm_/);
    });
  });

  test('a file with syntax errors is reported but never rewritten', () => {
    const broken = `${NAIVE_SOFTMAX}\ndef broken(:\n    pass\n`;
    withProject({ 'a.py': broken }, (root) => {
      const run = runCli(['check', '--fix'], root);
      assert.equal(run.status, 1);
      assert.equal(fs.readFileSync(path.join(root, 'a.py'), 'utf8'), broken);
      assert.deepEqual(findingLines(run.stdout), ['a.py:4:12: NG101']);
      assert.match(
        run.stderr,
        /^a\.py:6:\d+: note: syntax error; findings cover the parts that parse$/m,
      );
    });
  });
});

describe('--select and --ignore', () => {
  test('--select keeps only the given codes or prefixes', () => {
    withProject({ 'a.py': TWO_RULES }, (root) => {
      assert.deepEqual(findingLines(runCli(['check'], root).stdout), [
        'a.py:4:12: NG101',
        'a.py:7:12: NG701',
      ]);
      assert.deepEqual(findingLines(runCli(['check', '--select', 'NG7'], root).stdout), [
        'a.py:7:12: NG701',
      ]);
      assert.deepEqual(findingLines(runCli(['check', '--select', 'ng101, NG7'], root).stdout), [
        'a.py:4:12: NG101',
        'a.py:7:12: NG701',
      ]);
    });
  });

  test('--ignore drops codes and adds to the project ignore list', () => {
    withProject({ 'a.py': TWO_RULES, 'nanguard.toml': 'ignore = ["NG7"]\n' }, (root) => {
      assert.deepEqual(findingLines(runCli(['check'], root).stdout), ['a.py:4:12: NG101']);
      const run = runCli(['check', '--ignore', 'NG101'], root);
      assert.equal(run.status, 0);
      assert.deepEqual(findingLines(run.stdout), []);
    });
  });

  test('a more specific --select wins over a project prefix ignore', () => {
    withProject({ 'a.py': TWO_RULES, 'nanguard.toml': 'ignore = ["NG1"]\n' }, (root) => {
      assert.deepEqual(findingLines(runCli(['check', '--select', 'NG101'], root).stdout), [
        'a.py:4:12: NG101',
      ]);
    });
  });
});
