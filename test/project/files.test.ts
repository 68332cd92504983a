// File discovery: which files a scan covers, and how it reports what it cannot read.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { discoverFiles, type DiscoveryOptions } from '../../rules/project/files';

let root: string;

function layout(files: string[]): void {
  for (const file of files) {
    const full = path.join(root, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (!file.endsWith('/')) fs.writeFileSync(full, file.endsWith('.gitignore') ? '' : 'x = 1\n');
  }
}

async function discover(
  roots: string[] = [root],
  options: DiscoveryOptions = {},
): Promise<{ files: string[]; problems: string[] }> {
  const files: string[] = [];
  const problems: string[] = [];
  const onProblem = (found: string, message: string): void => {
    problems.push(`${path.relative(root, found)}: ${message}`);
  };
  for await (const file of discoverFiles(roots, { onProblem, ...options })) {
    files.push(path.relative(root, file));
  }
  return { files, problems };
}

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-files-')));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('discoverFiles', () => {
  test("finds Python, TypeScript, JavaScript and notebooks: a folder's files, then its subfolders", async () => {
    layout([
      'b.py',
      'a.ipynb',
      'stub.pyi',
      'web/app.ts',
      'web/view.tsx',
      'web/old.js',
      'web/mod.mjs',
      'web/req.cjs',
      'web/comp.jsx',
      'README.md',
      'data.csv',
      'Makefile',
    ]);
    const { files, problems } = await discover();
    assert.deepEqual(files, [
      'a.ipynb',
      'b.py',
      'stub.pyi',
      'web/app.ts',
      'web/comp.jsx',
      'web/mod.mjs',
      'web/old.js',
      'web/req.cjs',
      'web/view.tsx',
    ]);
    assert.deepEqual(problems, []);
  });

  test('skips node_modules, .git, hidden folders, caches and installed packages', async () => {
    layout([
      'node_modules/pkg/index.js',
      '.git/hooks/pre-commit.py',
      '.cache/x.py',
      'src/__pycache__/m.py',
      'lib/python3.11/site-packages/torch/x.py',
      'usr/dist-packages/numpy/x.py',
      'src/.hidden.py',
      'src/main.py',
    ]);
    // A hidden file is still the user's own code; only hidden folders are passed over.
    assert.deepEqual((await discover()).files, ['src/.hidden.py', 'src/main.py']);
  });

  test('recognises virtual environments by pyvenv.cfg or by name with an activate script', async () => {
    layout([
      'anything/pyvenv.cfg',
      'anything/lib/a.py',
      'venv/bin/activate',
      'venv/lib/b.py',
      '.venv/lib/c.py',
      'env/Scripts/activate',
      'env/lib/d.py',
      'venv2/lib/e.py',
      'env_tools/f.py',
    ]);
    assert.deepEqual((await discover()).files, ['env_tools/f.py', 'venv2/lib/e.py']);
  });

  test('a folder named env without an activate script is scanned', async () => {
    layout(['env/config.py']);
    assert.deepEqual((await discover()).files, ['env/config.py']);
  });

  test('honours .gitignore at every level, negations included', async () => {
    layout([
      'build/out.py',
      'src/gen_a.py',
      'src/gen_keep.py',
      'src/sub/tmp.py',
      'src/sub/ok.py',
      'top.py',
    ]);
    fs.writeFileSync(path.join(root, '.gitignore'), 'build/\ngen_*.py\n');
    fs.writeFileSync(path.join(root, 'src', '.gitignore'), '!gen_keep.py\n');
    fs.writeFileSync(path.join(root, 'src', 'sub', '.gitignore'), '/tmp.py\n');
    assert.deepEqual((await discover()).files, ['top.py', 'src/gen_keep.py', 'src/sub/ok.py']);
  });

  test('the repository ignore files above a scanned subfolder still apply', async () => {
    layout(['.git/', 'pkg/skip_me.py', 'pkg/local.py', 'pkg/keep.py']);
    fs.writeFileSync(path.join(root, '.gitignore'), 'skip_*.py\n');
    fs.mkdirSync(path.join(root, '.git', 'info'), { recursive: true });
    fs.writeFileSync(path.join(root, '.git', 'info', 'exclude'), 'local.py\n');
    assert.deepEqual((await discover([path.join(root, 'pkg')])).files, ['pkg/keep.py']);
  });

  test('exclude globs and the isExcluded callback leave paths out', async () => {
    layout(['gen/a.py', 'src/b_pb2.py', 'src/c.py', 'src/vendor/d.py']);
    const { files } = await discover([root], {
      exclude: ['gen/**', '*_pb2.py'],
      isExcluded: (found, isDirectory) => isDirectory && path.basename(found) === 'vendor',
    });
    assert.deepEqual(files, ['src/c.py']);
  });

  test('a file given as a root is yielded even when ignored; other types are reported', async () => {
    layout(['ignored.py', 'notes.txt']);
    fs.writeFileSync(path.join(root, '.gitignore'), 'ignored.py\n');
    const { files, problems } = await discover([
      path.join(root, 'ignored.py'),
      path.join(root, 'notes.txt'),
      path.join(root, 'missing.py'),
    ]);
    assert.deepEqual(files, ['ignored.py']);
    assert.deepEqual(problems, [
      'notes.txt: skipped: not a Python, TypeScript, JavaScript or notebook file',
      'missing.py: no such file or directory',
    ]);
  });

  test('symlink loops end with a problem; the same file is yielded once', async () => {
    layout(['src/a.py']);
    fs.symlinkSync('..', path.join(root, 'src', 'up'));
    fs.symlinkSync(path.join(root, 'src'), path.join(root, 'src-link'));
    fs.symlinkSync(path.join(root, 'src', 'a.py'), path.join(root, 'also-a.py'));
    fs.symlinkSync('self', path.join(root, 'self'));
    fs.symlinkSync('nowhere.py', path.join(root, 'broken.py'));
    const { files, problems } = await discover();
    assert.deepEqual(files, ['also-a.py']);
    assert.deepEqual(problems, [
      'broken.py: skipped: broken symbolic link',
      'self: skipped: symlink loop',
      'src/up: skipped: symlink loop',
    ]);
  });

  test('a folder deleted during the scan is reported and the scan goes on', async () => {
    layout(['a/1.py', 'b/2.py', 'c/3.py']);
    const files: string[] = [];
    const problems: string[] = [];
    const walk = discoverFiles([root], {
      onProblem: (found, message) => problems.push(`${path.relative(root, found)}: ${message}`),
    });
    for await (const file of walk) {
      files.push(path.relative(root, file));
      if (files.length === 1) fs.rmSync(path.join(root, 'b'), { recursive: true });
    }
    assert.deepEqual(files, ['a/1.py', 'c/3.py']);
    assert.deepEqual(problems, ['b: skipped: vanished during the scan']);
  });

  test('a folder that cannot be read is reported as unreadable, a vanished one as skipped', async () => {
    layout(['locked/a.py', 'gone/b.py', 'open/c.py']);
    // Stands in for the file system: permissions cannot stop root, who runs CI.
    const promises = createRequire(__filename)('node:fs').promises as typeof fs.promises;
    const readdir = promises.readdir;
    promises.readdir = (async (folder: fs.PathLike, ...rest: unknown[]) => {
      const name = path.basename(String(folder));
      if (name === 'locked') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      if (name === 'gone') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return (readdir as (...args: unknown[]) => unknown)(folder, ...rest);
    }) as typeof readdir;
    try {
      const problems: string[] = [];
      const files: string[] = [];
      const onProblem = (found: string, message: string, kind: string): void => {
        problems.push(`${path.relative(root, found)}: ${kind}: ${message}`);
      };
      for await (const file of discoverFiles([root], { onProblem })) {
        files.push(path.relative(root, file));
      }
      assert.deepEqual(files, ['open/c.py']);
      assert.deepEqual(problems, [
        'gone: skipped: skipped: vanished during the scan',
        'locked: unreadable: could not read: permission denied',
      ]);
    } finally {
      promises.readdir = readdir;
    }
  });

  test('an unreadable folder is reported, never thrown', async () => {
    layout(['locked/a.py', 'open/b.py']);
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    try {
      const { files, problems } = await discover();
      if (process.getuid?.() === 0) {
        // Root reads every folder whatever its mode.
        assert.deepEqual(files, ['locked/a.py', 'open/b.py']);
      } else {
        assert.deepEqual(files, ['open/b.py']);
        assert.deepEqual(problems, ['locked: could not read: permission denied']);
      }
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });
});
