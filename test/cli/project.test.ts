// Project configuration and file discovery as the command sees them: pyproject.toml and
// nanguard.toml per folder, broken configuration, .gitignore, node_modules, virtual environments.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { NAIVE_SOFTMAX, findingLines, makeProject, removeProject, runCli } from './support';

function withProject(files: Record<string, string | Buffer>, body: (root: string) => void): void {
  const root = makeProject(files);
  try {
    body(root);
  } finally {
    removeProject(root);
  }
}

describe('project configuration', () => {
  test('pyproject ignore = ["NG1"] silences NG101 for its own folder only', () => {
    withProject(
      {
        'quiet/pyproject.toml': '[project]\nname = "quiet"\n\n[tool.nanguard]\nignore = ["NG1"]\n',
        'quiet/model.py': NAIVE_SOFTMAX,
        'quiet/deeper/model.py': NAIVE_SOFTMAX,
        'loud/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        const run = runCli(['check'], root);
        assert.equal(run.status, 1);
        assert.deepEqual(findingLines(run.stdout), ['loud/model.py:4:12: NG101']);
      },
    );
  });

  test('a pyproject.toml without [tool.nanguard] does not stop the search upwards', () => {
    withProject(
      {
        'nanguard.toml': 'ignore = ["NG101"]\n',
        'pkg/pyproject.toml': '[project]\nname = "pkg"\n',
        'pkg/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        const run = runCli(['check'], root);
        assert.equal(run.status, 0);
        assert.deepEqual(findingLines(run.stdout), []);
      },
    );
  });

  test('per-file-ignores apply globs relative to the config file', () => {
    withProject(
      {
        'pyproject.toml':
          '[tool.nanguard.per-file-ignores]\n"tests/**" = ["NG101"]\n"legacy_*.py" = ["NG1"]\n',
        'tests/unit/test_model.py': NAIVE_SOFTMAX,
        'src/legacy_model.py': NAIVE_SOFTMAX,
        'src/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        assert.deepEqual(findingLines(runCli(['check'], root).stdout), [
          'src/model.py:4:12: NG101',
        ]);
      },
    );
  });

  test('exclude globs leave files and folders out', () => {
    withProject(
      {
        'nanguard.toml': 'exclude = ["generated/**", "*_pb2.py"]\n',
        'generated/model.py': NAIVE_SOFTMAX,
        'src/model_pb2.py': NAIVE_SOFTMAX,
        'src/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        assert.deepEqual(findingLines(runCli(['check'], root).stdout), [
          'src/model.py:4:12: NG101',
        ]);
      },
    );
  });

  test('a broken pyproject.toml is reported with its path and line, and the scan goes on', () => {
    withProject(
      {
        'broken/pyproject.toml': '[tool.nanguard]\nselect = ["NG1"\nignore = []\n',
        'broken/model.py': NAIVE_SOFTMAX,
        'fine/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        const run = runCli(['check'], root);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /^broken\/pyproject\.toml:3: TOML syntax error: .+$/m);
        assert.equal(run.stderr.match(/pyproject\.toml/g)?.length, 1, 'reported once');
        assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
        // The defaults apply to the broken folder.
        assert.deepEqual(findingLines(run.stdout), [
          'broken/model.py:4:12: NG101',
          'fine/model.py:4:12: NG101',
        ]);
      },
    );
  });

  test('wrong types and unknown keys are reported per key; the other keys still apply', () => {
    withProject(
      {
        'nanguard.toml': 'ignore = "NG101"\nselct = ["NG1"]\n[severity]\nNG101 = "fatal"\n',
        'model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        const run = runCli(['check'], root);
        assert.match(run.stderr, /^nanguard\.toml:1: "ignore" must be a list of strings$/m);
        assert.match(run.stderr, /^nanguard\.toml:2: unknown key "selct"/m);
        assert.match(run.stderr, /^nanguard\.toml:4: severity of "NG101" must be one of/m);
        assert.deepEqual(findingLines(run.stdout), ['model.py:4:12: NG101']);
      },
    );
  });

  test('--config uses the named file; a broken one exits 2 with its problems', () => {
    withProject(
      {
        'ci.toml': 'ignore = ["NG101"]\n',
        'bad.toml': 'ignore = [\n',
        'model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        const run = runCli(['check', '--config', 'ci.toml'], root);
        assert.equal(run.status, 0);
        const broken = runCli(['check', '--config', 'bad.toml'], root);
        assert.equal(broken.status, 2);
        assert.match(broken.stderr, /^bad\.toml:\d+: TOML syntax error/m);
        assert.equal(broken.stdout, '');
        const missing = runCli(['check', '--config', 'none.toml'], root);
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /none\.toml: no such file or directory/);
        fs.mkdirSync(path.join(root, 'settings'));
        const folder = runCli(['check', '--config', 'settings'], root);
        assert.equal(folder.status, 2);
        assert.match(folder.stderr, /^settings: cannot read: it is a folder, not a file$/m);
      },
    );
  });
});

describe('file discovery', () => {
  test('.gitignore files are honoured at every level', () => {
    withProject(
      {
        '.gitignore': 'build/\n*.gen.py\n',
        'src/.gitignore': 'scratch.py\n!keep.gen.py\n',
        'build/model.py': NAIVE_SOFTMAX,
        'src/model.gen.py': NAIVE_SOFTMAX,
        'src/keep.gen.py': NAIVE_SOFTMAX,
        'src/scratch.py': NAIVE_SOFTMAX,
        'src/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        fs.mkdirSync(path.join(root, '.git'));
        assert.deepEqual(findingLines(runCli(['check'], root).stdout), [
          'src/keep.gen.py:4:12: NG101',
          'src/model.py:4:12: NG101',
        ]);
        // The repository's .gitignore still applies when only a subfolder is scanned.
        assert.deepEqual(findingLines(runCli(['check', '.'], path.join(root, 'src')).stdout), [
          'keep.gen.py:4:12: NG101',
          'model.py:4:12: NG101',
        ]);
      },
    );
  });

  test('a file named on the command line is checked even when ignored', () => {
    withProject({ '.gitignore': 'model.py\n', 'model.py': NAIVE_SOFTMAX }, (root) => {
      assert.deepEqual(findingLines(runCli(['check', 'model.py'], root).stdout), [
        'model.py:4:12: NG101',
      ]);
    });
  });

  test('node_modules, virtual environments, hidden folders and caches are skipped', () => {
    withProject(
      {
        'node_modules/pkg/index.js': 'const p = Math.exp(x) / total(Math.exp(x));\n',
        'node_modules/pkg/model.py': NAIVE_SOFTMAX,
        'venv/bin/activate': '',
        'venv/lib/python3.11/model.py': NAIVE_SOFTMAX,
        'envs/py311/pyvenv.cfg': 'home = /usr/bin\n',
        'envs/py311/lib/model.py': NAIVE_SOFTMAX,
        '.tox/model.py': NAIVE_SOFTMAX,
        'lib/site-packages/model.py': NAIVE_SOFTMAX,
        'src/__pycache__/model.py': NAIVE_SOFTMAX,
        'env/model.py': NAIVE_SOFTMAX,
        'src/model.py': NAIVE_SOFTMAX,
      },
      (root) => {
        // A folder named env without an activate script is the user's own code.
        assert.deepEqual(findingLines(runCli(['check'], root).stdout), [
          'env/model.py:4:12: NG101',
          'src/model.py:4:12: NG101',
        ]);
      },
    );
  });

  test('a symlink loop ends with a message, and files reached twice are checked once', () => {
    withProject({ 'src/model.py': NAIVE_SOFTMAX }, (root) => {
      fs.symlinkSync('..', path.join(root, 'src', 'loop'));
      fs.symlinkSync(path.join(root, 'src'), path.join(root, 'alias'));
      fs.symlinkSync('missing.py', path.join(root, 'dangling.py'));
      const run = runCli(['check'], root);
      assert.equal(run.status, 1);
      assert.deepEqual(findingLines(run.stdout), ['alias/model.py:4:12: NG101']);
      assert.match(run.stderr, /^alias\/loop: skipped: symlink loop$/m);
      assert.match(run.stderr, /^dangling\.py: skipped: broken symbolic link$/m);
    });
  });
});
