// Input that is not ordinary source: each gets one clear line on stderr, the scan goes on, and no
// stack trace is ever printed.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  NAIVE_SOFTMAX,
  PROJECT_ROOT,
  findingLines,
  makeProject,
  removeProject,
  runCli,
  type CliRun,
} from './support';

describe('bad input', () => {
  let root: string;
  let run: CliRun;

  before(() => {
    const depth = 3000;
    const deepNesting = `import numpy as np\nx = ${'[\n'.repeat(depth)}np.exp(x) / np.sum(np.exp(x))${'\n]'.repeat(depth)}\n`;
    root = makeProject({
      'good.py': NAIVE_SOFTMAX,
      'binary.py': Buffer.concat([Buffer.from('import numpy as np\n'), Buffer.from([0, 1, 2, 3])]),
      'latin1.py': Buffer.from('# caf\xe9\nimport numpy as np\nx = np.exp(1)\n', 'latin1'),
      'huge.py': `${NAIVE_SOFTMAX}${'# padding line for a very large file\n'.repeat(160_000)}`,
      'bundle.min.js': `var a=Math.exp(1);${'x=1;'.repeat(3000)}\n`,
      'notes.ipynb': 'this is not JSON at all',
      'other.ipynb': '{"not": "a notebook"}',
      'half.py': `${NAIVE_SOFTMAX}\ndef half(:\n    return np.exp(\n`,
      'deep.py': deepNesting,
    });
    run = runCli(['check'], root);
  });
  after(() => removeProject(root));

  test('the scan goes on and reports the good files; unreadable files make the exit code 2', () => {
    assert.equal(run.status, 2);
    assert.deepEqual(findingLines(run.stdout), [
      'deep.py:3002:1: NG101',
      'good.py:4:12: NG101',
      'half.py:4:12: NG101',
    ]);
  });

  test('binary, huge and minified files are skipped with a message', () => {
    assert.match(run.stderr, /^binary\.py: skipped: binary file$/m);
    assert.match(run.stderr, /^huge\.py: skipped: larger than 5 MB$/m);
    assert.match(run.stderr, /^bundle\.min\.js: skipped: minified or generated code$/m);
  });

  test('a file that is not UTF-8 could not be checked, and says how to fix that', () => {
    assert.match(
      run.stderr,
      /^latin1\.py: could not read: not UTF-8 text \(convert the file to UTF-8 to check it\)$/m,
    );
  });

  test('a .ipynb that is not a notebook gets an error line', () => {
    assert.match(run.stderr, /^notes\.ipynb: not a notebook: invalid JSON \(.+\)$/m);
    assert.match(run.stderr, /^other\.ipynb: not a notebook: the JSON has no "cells" list$/m);
  });

  test('syntax errors give a note with the position; the parts that parse are checked', () => {
    assert.match(
      run.stderr,
      /^half\.py:6:\d+: note: syntax error; findings cover the parts that parse$/m,
    );
  });

  test('deep nesting is analysed without a crash, and the hazard inside is found', () => {
    assert.doesNotMatch(run.stderr, /deep\.py/);
    assert.ok(findingLines(run.stdout).includes('deep.py:3002:1: NG101'));
  });

  test('no stack trace and no internal error', () => {
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.doesNotMatch(run.stderr, /internal error/);
  });
});

describe('what a scan counts as checked', () => {
  test('skipped and unreadable files are not counted as checked', () => {
    const root = makeProject({
      'plain.py': 'x = 1\n',
      'latin1.py': Buffer.from('# caf\xe9\nx = 1\n', 'latin1'),
      'huge.py': `${'# padding line for a very large file\n'.repeat(160_000)}`,
    });
    try {
      const run = runCli(['check'], root);
      assert.equal(run.status, 2, run.stderr);
      assert.match(
        run.stderr,
        /^No problems found \(1 file checked\)\.\n1 file could not be checked \(see above\)\.$/m,
      );
    } finally {
      removeProject(root);
    }
  });

  test('a notebook is limited by the size of its code, not of its outputs', () => {
    const plot = 'A'.repeat(6 * 1024 * 1024);
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          metadata: {},
          execution_count: 1,
          source: ['import numpy as np\n', 'p = np.exp(x) / np.exp(x).sum()\n'],
          outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': plot } }],
        },
      ],
      metadata: { language_info: { name: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const root = makeProject({ 'plots.ipynb': JSON.stringify(notebook) });
    try {
      const run = runCli(['check'], root);
      assert.equal(run.status, 1, run.stderr);
      assert.deepEqual(findingLines(run.stdout), ['plots.ipynb:cell 1:2:5: NG101']);
    } finally {
      removeProject(root);
    }
  });

  test('a notebook names the cell that does not parse, and checks the cells that do', () => {
    const cell = (source: string) => ({
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      source,
      outputs: [],
    });
    const notebook = {
      // Joined, cell 2 runs on into cell 3; in Jupyter each cell parses on its own.
      cells: [
        cell('import numpy as np'),
        cell('total = 1 +\n'),
        cell('def softplus(x):\n    return np.log(1 + np.exp(x))\n'),
        cell('%%time\ny = np.log(1 + np.exp(z))\n'),
      ],
      metadata: { language_info: { name: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const root = makeProject({ 'half.ipynb': JSON.stringify(notebook) });
    try {
      const run = runCli(['check'], root);
      assert.match(
        run.stderr,
        /^half\.ipynb:cell 2:1:\d+: note: syntax error; findings cover the parts that parse$/m,
      );
      assert.deepEqual(findingLines(run.stdout), [
        'half.ipynb:cell 3:2:12: NG105',
        'half.ipynb:cell 4:2:5: NG105',
      ]);
    } finally {
      removeProject(root);
    }
  });

  test('TypeScript modules (.mts, .cts) are found and checked', () => {
    const source =
      "import * as tf from '@tensorflow/tfjs';\nconst e = tf.exp(x);\nexport const p = tf.div(e, tf.sum(e));\n";
    const root = makeProject({ 'model.mts': source, 'legacy.cts': source });
    try {
      const run = runCli(['check'], root);
      assert.deepEqual(
        findingLines(run.stdout).map((line) => line.split(':')[0]),
        ['legacy.cts', 'model.mts'],
      );
    } finally {
      removeProject(root);
    }
  });

  test('--statistics with SARIF or GitHub output is refused: the table would corrupt it', () => {
    const root = makeProject({ 'good.py': NAIVE_SOFTMAX });
    try {
      for (const format of ['sarif', 'github']) {
        const run = runCli(['check', '--statistics', '--format', format], root);
        assert.equal(run.status, 2);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, /--statistics .* cannot be combined with --format/);
      }
    } finally {
      removeProject(root);
    }
  });
});

describe('files that change during a scan', () => {
  test('an unreadable file is skipped with a message', () => {
    const root = makeProject({ 'locked.py': NAIVE_SOFTMAX, 'good.py': NAIVE_SOFTMAX });
    try {
      const locked = path.join(root, 'locked.py');
      fs.chmodSync(locked, 0o000);
      const run = runCli(['check'], root);
      fs.chmodSync(locked, 0o644);
      // Root reads any file; everyone else gets a permission message.
      if (process.getuid?.() === 0) {
        assert.deepEqual(findingLines(run.stdout), [
          'good.py:4:12: NG101',
          'locked.py:4:12: NG101',
        ]);
      } else {
        assert.match(run.stderr, /^locked\.py: could not read: permission denied$/m);
      }
    } finally {
      removeProject(root);
    }
  });

  test('an unreadable folder is reported and the scan goes on', () => {
    const root = makeProject({ 'locked/model.py': NAIVE_SOFTMAX, 'good.py': NAIVE_SOFTMAX });
    try {
      fs.chmodSync(path.join(root, 'locked'), 0o000);
      const run = runCli(['check'], root);
      fs.chmodSync(path.join(root, 'locked'), 0o755);
      assert.ok(findingLines(run.stdout).includes('good.py:4:12: NG101'));
      if (process.getuid?.() !== 0) {
        assert.match(run.stderr, /^locked: could not read: permission denied$/m);
      }
    } finally {
      removeProject(root);
    }
  });
});

describe('worker threads', () => {
  // A file lost from the queue would leave the CLI waiting forever: fail instead of hanging.
  test(
    'a worker that dies loses only the file it was on; the other files are analysed',
    { timeout: 60_000 },
    () => {
      const files = ['a.py', 'b.py', 'crash.py', 'd.py', 'e.py', 'f.py', 'g.py'];
      const project = makeProject(Object.fromEntries(files.map((name) => [name, NAIVE_SOFTMAX])));
      const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-dist-'));
      try {
        fs.cpSync(path.join(PROJECT_ROOT, 'dist'), bundle, { recursive: true });
        fs.renameSync(path.join(bundle, 'worker.js'), path.join(bundle, 'worker-real.js'));
        // Listens before the real worker does, and stops the thread on one file.
        fs.writeFileSync(
          path.join(bundle, 'worker.js'),
          [
            "const { parentPort } = require('node:worker_threads');",
            "parentPort.on('message', (request) => {",
            "  if (request.path.endsWith('crash.py')) process.exit(7);",
            '});',
            "require('./worker-real.js');",
          ].join('\n'),
        );
        const run = spawnSync(
          process.execPath,
          [path.join(bundle, 'cli.js'), 'check', '--jobs', '2'],
          { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1', LANG: 'C' } },
        );
        assert.equal(run.status, 2, run.stderr);
        const expected = files
          .filter((name) => name !== 'crash.py')
          .map((name) => `${name}:4:12: NG101`);
        assert.deepEqual(findingLines(run.stdout), expected);
        assert.match(run.stderr, /crash\.py: internal error: .*exit code 7/);
      } finally {
        removeProject(project);
        fs.rmSync(bundle, { recursive: true, force: true });
      }
    },
  );

  test('when workers cannot start, the files are analysed on the main thread', () => {
    const project = makeProject({ 'a.py': NAIVE_SOFTMAX, 'b.py': NAIVE_SOFTMAX });
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-dist-'));
    try {
      fs.cpSync(path.join(PROJECT_ROOT, 'dist'), bundle, { recursive: true });
      fs.writeFileSync(path.join(bundle, 'worker.js'), 'throw new Error("no threads here");\n');
      const run = spawnSync(
        process.execPath,
        [path.join(bundle, 'cli.js'), 'check', '--jobs', '2'],
        {
          cwd: project,
          encoding: 'utf8',
          env: { ...process.env, CI: '1', LANG: 'C' },
        },
      );
      assert.equal(run.status, 1, run.stderr);
      assert.deepEqual(findingLines(run.stdout), ['a.py:4:12: NG101', 'b.py:4:12: NG101']);
      assert.doesNotMatch(run.stderr, /internal error/);
    } finally {
      removeProject(project);
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });
});
