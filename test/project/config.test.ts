// Reading [tool.nanguard] and nanguard.toml: the search upwards, the cache, the problems of a
// broken file, and the decisions codeEnabled and severityFor make from the settings.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  clearConfigCache,
  codeEnabled,
  loadConfigFor,
  pathExcluded,
  severityFor,
} from '../../rules/project/config';

let root: string;

function write(relative: string, text: string): string {
  const full = path.join(root, relative);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  return full;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-config-'));
  clearConfigCache();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('loadConfigFor', () => {
  test('defaults when no configuration exists', () => {
    const loaded = loadConfigFor(write('a/b/model.py', ''));
    assert.equal(loaded.file, null);
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.config, {
      select: null,
      ignore: [],
      perFileIgnores: [],
      severity: {},
      exclude: [],
    });
  });

  test('reads every key of [tool.nanguard] from the nearest pyproject.toml', () => {
    const file = write(
      'pyproject.toml',
      [
        '[project]',
        'name = "demo"',
        '',
        '[tool.nanguard]',
        'select = ["NG1", "ng201"]',
        'ignore = ["NG103"]',
        'exclude = ["build/**"]',
        '',
        '[tool.nanguard.per-file-ignores]',
        '"tests/**" = ["NG5"]',
        '',
        '[tool.nanguard.severity]',
        'NG101 = "error"',
        'training-hints = "hint"',
        '',
      ].join('\n'),
    );
    const loaded = loadConfigFor(write('src/pkg/model.py', ''));
    assert.equal(loaded.file, file);
    assert.equal(loaded.root, root);
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.config, {
      select: ['NG1', 'NG201'],
      ignore: ['NG103'],
      exclude: ['build/**'],
      perFileIgnores: [{ pattern: 'tests/**', codes: ['NG5'] }],
      severity: { NG101: 'error', 'training-hints': 'hint' },
    });
  });

  test('nanguard.toml takes its keys at the top level and wins over pyproject.toml', () => {
    write('pyproject.toml', '[tool.nanguard]\nignore = ["NG2"]\n');
    const file = write('nanguard.toml', 'ignore = ["NG3"]\n');
    const loaded = loadConfigFor(write('model.py', ''));
    assert.equal(loaded.file, file);
    assert.deepEqual(loaded.config.ignore, ['NG3']);
  });

  test('the nearest configuration governs; a pyproject without the table is passed over', () => {
    write('nanguard.toml', 'ignore = ["NG1"]\n');
    write('inner/pyproject.toml', '[project]\nname = "inner"\n');
    const innerConfig = write('inner/deeper/nanguard.toml', 'ignore = ["NG2"]\n');
    assert.deepEqual(loadConfigFor(write('inner/model.py', '')).config.ignore, ['NG1']);
    const deeper = loadConfigFor(write('inner/deeper/x/model.py', ''));
    assert.equal(deeper.file, innerConfig);
    assert.deepEqual(deeper.config.ignore, ['NG2']);
  });

  test('results are cached per folder until clearConfigCache', () => {
    const config = write('nanguard.toml', 'ignore = ["NG1"]\n');
    const model = write('model.py', '');
    const first = loadConfigFor(model);
    fs.writeFileSync(config, 'ignore = ["NG2"]\n');
    assert.equal(loadConfigFor(model), first);
    clearConfigCache();
    assert.deepEqual(loadConfigFor(model).config.ignore, ['NG2']);
  });

  test('an explicit file is used whatever the folder', () => {
    const explicit = write('configs/ci.toml', 'select = ["NG7"]\n');
    write('nanguard.toml', 'ignore = ["NG7"]\n');
    const loaded = loadConfigFor(write('model.py', ''), explicit);
    assert.equal(loaded.file, explicit);
    assert.deepEqual(loaded.config.select, ['NG7']);
    assert.deepEqual(loaded.config.ignore, []);
  });
});

describe('broken configuration', () => {
  test('a TOML syntax error names the file and line; the defaults apply', () => {
    const file = write('pyproject.toml', '[tool.nanguard]\nignore = ["NG1"\nselect = []\n');
    const loaded = loadConfigFor(write('model.py', ''));
    assert.equal(loaded.problems.length, 1);
    const [problem] = loaded.problems;
    assert.equal(problem.file, file);
    assert.equal(problem.line, 3);
    assert.match(problem.message, /^TOML syntax error: /);
    assert.deepEqual(loaded.config.ignore, []);
  });

  test('a broken pyproject without [tool.nanguard] is reported, and the search goes on', () => {
    write('nanguard.toml', 'ignore = ["NG1"]\n');
    const broken = write('pkg/pyproject.toml', '[project\nname = 1\n');
    const loaded = loadConfigFor(write('pkg/model.py', ''));
    assert.deepEqual(loaded.config.ignore, ['NG1']);
    assert.equal(loaded.problems.length, 1);
    assert.equal(loaded.problems[0].file, broken);
    assert.equal(loaded.problems[0].line, 1);
  });

  test('wrong types and unknown keys give one problem each, on their line', () => {
    write(
      'nanguard.toml',
      [
        'select = "NG1"',
        'ignore = ["NG2", "E501"]',
        'colour = true',
        'per-file-ignores = ["tests"]',
        '[severity]',
        'NG101 = "loud"',
        'bogus = "error"',
        'NG2 = "hint"',
        '',
      ].join('\n'),
    );
    const loaded = loadConfigFor(write('model.py', ''));
    const lines = loaded.problems.map((problem) => `${problem.line}: ${problem.message}`);
    assert.deepEqual(lines, [
      '3: unknown key "colour"; expected one of: select, ignore, per-file-ignores, severity, exclude',
      '1: "select" must be a list of strings',
      '2: "E501" is not a rule code or prefix such as NG101 or NG5',
      '4: "per-file-ignores" must be a table',
      '6: severity of "NG101" must be one of: error, warning, information, hint',
      '7: "bogus" is neither a rule code, a prefix nor a family name',
    ]);
    // What was right still applies.
    assert.equal(loaded.config.select, null);
    assert.deepEqual(loaded.config.ignore, ['NG2']);
    assert.deepEqual(loaded.config.severity, { NG2: 'hint' });
  });
});

describe('codeEnabled', () => {
  function configured(text: string): { model: string; loaded: ReturnType<typeof loadConfigFor> } {
    write('nanguard.toml', text);
    const model = write('src/model.py', '');
    return { model, loaded: loadConfigFor(model) };
  }

  test('every code by default', () => {
    const { model, loaded } = configured('');
    assert.equal(codeEnabled(loaded, model, 'NG101'), true);
    assert.equal(codeEnabled(loaded, model, 'NG901'), true);
  });

  test('select and ignore take prefixes; the most specific wins, ignore on a tie', () => {
    const { model, loaded } = configured('select = ["NG1", "NG702"]\nignore = ["NG10", "NG7"]\n');
    assert.equal(codeEnabled(loaded, model, 'NG111'), true);
    assert.equal(codeEnabled(loaded, model, 'NG101'), false);
    assert.equal(codeEnabled(loaded, model, 'NG201'), false);
    assert.equal(codeEnabled(loaded, model, 'NG701'), false);
    assert.equal(codeEnabled(loaded, model, 'NG702'), true);
    const tie = configured('select = ["NG1"]\nignore = ["NG1"]\n');
    assert.equal(codeEnabled(tie.loaded, tie.model, 'NG101'), false);
  });

  test('per-file ignores match globs relative to the config folder', () => {
    write('nanguard.toml', '[per-file-ignores]\n"tests/**" = ["NG5"]\n"*_legacy.py" = ["NG1"]\n');
    const test = write('tests/unit/test_model.py', '');
    const legacy = write('src/deep/model_legacy.py', '');
    const model = write('src/model.py', '');
    const loaded = loadConfigFor(test);
    assert.equal(codeEnabled(loaded, test, 'NG501'), false);
    assert.equal(codeEnabled(loaded, test, 'NG101'), true);
    assert.equal(codeEnabled(loaded, legacy, 'NG101'), false);
    assert.equal(codeEnabled(loaded, model, 'NG501'), true);
  });

  test('exclude globs cover files and folders below the config folder only', () => {
    write('nanguard.toml', 'exclude = ["build/**", "generated"]\n');
    const loaded = loadConfigFor(write('model.py', ''));
    assert.equal(pathExcluded(loaded, path.join(root, 'build', 'x.py')), true);
    assert.equal(pathExcluded(loaded, path.join(root, 'src', 'generated')), true);
    assert.equal(pathExcluded(loaded, path.join(root, 'src', 'model.py')), false);
    assert.equal(pathExcluded(loaded, path.join(path.dirname(root), 'build', 'x.py')), false);
  });
});

describe('severityFor', () => {
  test('exact code, then the longest prefix, then the family, then the fallback', () => {
    write(
      'nanguard.toml',
      '[severity]\nNG101 = "error"\nNG1 = "hint"\nNG10 = "information"\nlog-domain = "error"\n',
    );
    const loaded = loadConfigFor(write('model.py', ''));
    assert.equal(severityFor(loaded, 'NG101', 'exp-overflow', 'warning'), 'error');
    assert.equal(severityFor(loaded, 'NG102', 'exp-overflow', 'warning'), 'information');
    assert.equal(severityFor(loaded, 'NG111', 'exp-overflow', 'warning'), 'hint');
    assert.equal(severityFor(loaded, 'NG201', 'log-domain', 'warning'), 'error');
    assert.equal(severityFor(loaded, 'NG301', 'precision', 'warning'), 'warning');
  });
});

test('a select list of unknown codes is reported and the defaults apply', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-select-'));
  fs.writeFileSync(
    path.join(folder, 'pyproject.toml'),
    '[tool.nanguard]\nselect = ["XX", "NG999"]\n',
  );
  const loaded = loadConfigFor(path.join(folder, 'model.py'));
  assert.equal(loaded.config.select, null);
  assert.equal(loaded.problems.length, 2);
  assert.ok(codeEnabled(loaded, path.join(folder, 'model.py'), 'NG101'));
});
