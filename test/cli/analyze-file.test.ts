// The per-file work in process: files that vanish, fix rounds that would break the syntax, and
// rule failures reported once per rule.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { analyzeFile, check, fixInRounds } from '../../cli/analyze-file';
import { noteLines } from '../../cli/check';
import { emptyResult, type ScanSettings } from '../../cli/results';
import { applyEditGroups } from '../../rules/engine/edits';
import { initParsers } from '../../rules/engine/parser';
import type { Rule } from '../../rules/engine/types';
import { NAIVE_SOFTMAX } from './support';

const SETTINGS: ScanSettings = {
  select: [],
  ignore: [],
  fixMode: 'safe',
  diffOnly: false,
  language: 'en',
  cwd: os.tmpdir(),
};

/** A rule whose fix turns every `1.5` into an unclosed bracket. */
const breakingRule: Rule = {
  meta: {
    code: 'NG999',
    name: 'test-breaking-fix',
    family: 'training-hints',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: /1\.5/,
    summary: 'A test rule.',
    explanation: 'A test rule.',
  },
  create(context) {
    return {
      number(node) {
        if (node.text !== '1.5') return;
        context.report({
          node,
          message: 'one and a half',
          fixes: () => [
            { title: 'Break it', safe: true, edits: [context.model.replace(node, '(')] },
          ],
        });
      },
    };
  },
};

describe('analyzeFile', () => {
  before(() => initParsers());

  test('a file that vanished before it was read is skipped with a message', () => {
    const result = analyzeFile(path.join(os.tmpdir(), 'nanguard-does-not-exist.py'), SETTINGS);
    assert.deepEqual(result.notes, [
      { kind: 'skipped', message: 'skipped: vanished during the scan' },
    ]);
    assert.equal(result.parsed, false);
  });

  test('a file in which no rule finds its trigger words is counted but not parsed', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-file-'));
    try {
      const file = path.join(folder, 'plain.py');
      fs.writeFileSync(file, 'def add(a, b):\n    return a + b\n');
      const result = analyzeFile(file, SETTINGS);
      assert.equal(result.lines, 3);
      assert.equal(result.parsed, false);
      assert.deepEqual(result.findings, []);
      fs.writeFileSync(file, NAIVE_SOFTMAX);
      const flagged = analyzeFile(file, { ...SETTINGS, fixMode: 'none' });
      assert.equal(flagged.parsed, true);
      assert.deepEqual(
        flagged.findings.map((finding) => finding.code),
        ['NG101'],
      );
      // Only the enabled rules' triggers count: NG701 looks for `nan`, which the file lacks.
      const narrowed = analyzeFile(file, { ...SETTINGS, fixMode: 'none', select: ['NG701'] });
      assert.equal(narrowed.parsed, false);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('fixInRounds', () => {
  before(() => initParsers());

  test('fixes that would introduce a syntax error are all given up', () => {
    const text = 'a = 1.5\nb = 2\n';
    const result = emptyResult('/virtual/a.py', false);
    const outcome = fixInRounds(
      text,
      (current) => check(current, 'python', { rules: [breakingRule] }),
      (current, groups) => {
        const applied = applyEditGroups(current, groups);
        return { document: applied.text, applied: applied.applied };
      },
      SETTINGS,
      result,
    );
    assert.equal(outcome.document, text);
    assert.equal(outcome.applied, 0);
    assert.equal(outcome.checked.analysis.findings.length, 1);
    assert.deepEqual(result.notes, [
      { kind: 'error', message: 'fixes not applied: they would introduce a syntax error' },
    ]);
  });
});

describe('noteLines', () => {
  test('a failing rule is reported once, naming the first file it failed on', () => {
    const first = emptyResult('/project/a.py', false);
    const second = emptyResult('/project/b.py', false);
    first.failures = [{ code: 'NG101', message: 'boom' }];
    second.failures = [
      { code: 'NG101', message: 'boom again' },
      { code: 'NG201', message: 'other' },
    ];
    second.notes = [{ kind: 'skipped', message: 'skipped: binary file' }];
    assert.equal(
      noteLines([first, second], '/project'),
      [
        'internal error: rule NG101 failed on a.py: boom (its other findings are kept; please report this)',
        'b.py: skipped: binary file',
        'internal error: rule NG201 failed on b.py: other (its other findings are kept; please report this)',
        '',
      ].join('\n'),
    );
  });
});

describe('writing fixes', () => {
  before(() => initParsers());

  // The module object itself: the CLI reads its functions through it, so a test can stand in
  // for the file system at one moment (an editor saving, a write refused).
  const nodeFs = createRequire(__filename)('node:fs') as typeof fs;

  /** Runs `analyzeFile` with `--fix` while `fs` behaves as `patch` makes it for the file. */
  function fixWith(patch: (file: string) => () => void): {
    result: ReturnType<typeof analyzeFile>;
    text: string;
  } {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-write-'));
    const file = path.join(folder, 'model.py');
    fs.writeFileSync(file, NAIVE_SOFTMAX);
    const restore = patch(file);
    try {
      const result = analyzeFile(file, { ...SETTINGS, fixMode: 'safe' });
      return { result, text: fs.readFileSync(file, 'utf8') };
    } finally {
      restore();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }

  test('a file saved by someone else during the scan keeps their edit', () => {
    const edit = '# saved by the editor while the scan ran\n';
    const { result, text } = fixWith((file) => {
      const read = nodeFs.readFileSync;
      let reads = 0;
      // Right after the scan reads the file, an editor saves a new version of it.
      nodeFs.readFileSync = ((...args: Parameters<typeof read>) => {
        const content = read(...args);
        if (args[0] === file && ++reads === 1) fs.appendFileSync(file, edit);
        return content;
      }) as typeof read;
      return () => (nodeFs.readFileSync = read);
    });
    assert.equal(text, NAIVE_SOFTMAX + edit);
    assert.equal(result.fixed, 0);
    assert.deepEqual(result.notes, [
      { kind: 'error', message: 'fixes not applied: the file changed during the scan' },
    ]);
    // What was found in the file is still reported.
    assert.deepEqual(
      result.findings.map((finding) => finding.code),
      ['NG101'],
    );
  });

  test('when the fixes cannot be written, the findings of the file are still reported', () => {
    const { result, text } = fixWith((file) => {
      const write = nodeFs.writeFileSync;
      nodeFs.writeFileSync = ((...args: Parameters<typeof write>) => {
        if (args[0] === file) throw new Error('EACCES: permission denied');
        return write(...args);
      }) as typeof write;
      return () => (nodeFs.writeFileSync = write);
    });
    assert.equal(text, NAIVE_SOFTMAX);
    assert.equal(result.fixed, 0);
    assert.deepEqual(result.notes, [
      { kind: 'error', message: 'could not write the fixes: EACCES: permission denied' },
    ]);
    assert.deepEqual(
      result.findings.map((finding) => finding.code),
      ['NG101'],
    );
  });

  test('a file that exists but cannot be read could not be checked: an error, not a skip', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-read-'));
    const file = path.join(folder, 'locked.py');
    fs.writeFileSync(file, NAIVE_SOFTMAX);
    const read = nodeFs.readFileSync;
    nodeFs.readFileSync = ((...args: Parameters<typeof read>) => {
      if (args[0] === file) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      return read(...args);
    }) as typeof read;
    try {
      const result = analyzeFile(file, SETTINGS);
      assert.deepEqual(result.notes, [
        { kind: 'error', message: 'could not read: permission denied' },
      ]);
      assert.equal(result.parsed, false);
    } finally {
      nodeFs.readFileSync = read;
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a file with a syntax error is not fixed, says so, and offers no fix', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-write-'));
    try {
      const file = path.join(folder, 'half.py');
      const source = `${NAIVE_SOFTMAX}\ndef half(:\n    pass\n`;
      fs.writeFileSync(file, source);
      const result = analyzeFile(file, { ...SETTINGS, fixMode: 'safe' });
      assert.equal(fs.readFileSync(file, 'utf8'), source);
      assert.ok(
        result.notes.some(
          (note) => note.message === 'fixes not applied: the file has a syntax error',
        ),
      );
      assert.deepEqual(
        result.findings.map((finding) => [finding.code, finding.fixability, finding.fix]),
        [['NG101', 'none', null]],
      );
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
