import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { clearConfigCache } from '../../rules/project/config';
import { projectIgnoreEdit, withIgnoredCode } from '../../rules/project/ignore-edit';

test('adds to an existing ignore list, keeping comments and other keys', () => {
  const text =
    '[project]\nname = "x"\n\n[tool.nanguard]\nignore = ["NG9"]  # hints\nselect = ["NG"]\n';
  assert.equal(
    withIgnoredCode(text, 'NG101', true),
    '[project]\nname = "x"\n\n[tool.nanguard]\nignore = ["NG101", "NG9"]  # hints\nselect = ["NG"]\n',
  );
});

test('fills an empty list and a multi-line list', () => {
  assert.equal(
    withIgnoredCode('[tool.nanguard]\nignore = []\n', 'NG5', true),
    '[tool.nanguard]\nignore = ["NG5"]\n',
  );
  assert.equal(
    withIgnoredCode('[tool.nanguard]\nignore = [\n  "NG9",\n]\n', 'NG5', true),
    '[tool.nanguard]\nignore = ["NG5", \n  "NG9",\n]\n',
  );
});

test('adds the key to the table, or the table to a pyproject.toml without one', () => {
  assert.equal(
    withIgnoredCode('[tool.nanguard]\nselect = ["NG1"]\n\n[tool.other]\nx = 1\n', 'NG101', true),
    '[tool.nanguard]\nignore = ["NG101"]\nselect = ["NG1"]\n\n[tool.other]\nx = 1\n',
  );
  assert.equal(
    withIgnoredCode('[project]\nname = "x"', 'NG101', true),
    '[project]\nname = "x"\n\n[tool.nanguard]\nignore = ["NG101"]\n',
  );
});

test('nanguard.toml keeps its keys at the top level', () => {
  assert.equal(
    withIgnoredCode('select = ["NG1"]\n', 'NG101', false),
    'ignore = ["NG101"]\nselect = ["NG1"]\n',
  );
});

test('nothing to do when the code is ignored already or the file is broken', () => {
  assert.equal(withIgnoredCode('[tool.nanguard]\nignore = ["NG101"]\n', 'NG101', true), null);
  assert.equal(withIgnoredCode('[tool.nanguard\nignore = [\n', 'NG101', true), null);
});

test('the project file of a source file is found by walking up', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-ignore-'));
  fs.writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "demo"\n');
  fs.mkdirSync(path.join(root, 'src'));
  clearConfigCache();
  const edit = projectIgnoreEdit(path.join(root, 'src', 'model.py'), 'NG101');
  assert.equal(edit?.file, path.join(root, 'pyproject.toml'));
  assert.match(edit?.newText ?? '', /\[tool\.nanguard\]\nignore = \["NG101"\]\n$/);
});
