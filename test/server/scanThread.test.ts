// The workspace scan's thread, run from the built bundle (`npm run build`): findings come back
// as from an analysis in place; a thread that runs out of memory loses nothing, because its file
// is tried again with room; a thread that cannot start leaves the scan to the server's thread.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initParsers } from '../../rules/engine/parser';
import { DEFAULT_SETTINGS } from '../../server/protocol';
import type { FileOutcome } from '../../server/scanFile';
import { createFileAnalyser } from '../../server/scanThread';
import { recordingLogger } from './support/logger';

const BUNDLED = path.resolve(__dirname, '..', '..', 'dist', 'scanWorker.js');
const DATA = { settings: DEFAULT_SETTINGS, language: 'en' as const };

function codes(outcome: FileOutcome): string[] {
  assert.equal(outcome.kind, 'analysed');
  return outcome.kind === 'analysed' ? outcome.findings.map((finding) => finding.code) : [];
}

describe('the scan thread', () => {
  let root: string;
  let softmax: string;
  let large: string;

  before(async () => {
    assert.ok(fs.existsSync(BUNDLED), 'dist/scanWorker.js is missing: run npm run build');
    await initParsers();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-thread-'));
    softmax = path.join(root, 'softmax.py');
    fs.writeFileSync(
      softmax,
      'import numpy as np\n\ndef softmax(x):\n    return np.exp(x) / np.exp(x).sum()\n',
    );
    // Twenty thousand softmaxes: more live data than a 20 MB heap holds while they are analysed
    // (the thread itself starts in about 16 MB).
    large = path.join(root, 'large.py');
    const body = Array.from(
      { length: 20000 },
      (_, n) => `def softmax_${n}(x):\n    return np.exp(x) / np.exp(x).sum()\n`,
    );
    fs.writeFileSync(large, `import numpy as np\n\n${body.join('\n')}`);
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('finds what the analysis in place finds, and says why a file is skipped', async () => {
    const { log } = recordingLogger();
    const threaded = createFileAnalyser(DATA, log, { script: BUNDLED });
    const inPlace = createFileAnalyser(DATA, log, { script: null });
    try {
      const fromThread = await threaded.analyse(softmax);
      assert.deepEqual(codes(fromThread), ['NG101']);
      assert.deepEqual(fromThread, await inPlace.analyse(softmax));
      assert.deepEqual(await threaded.analyse(path.join(root, 'gone.py')), {
        kind: 'skipped',
        reason: 'vanished during the scan',
      });
    } finally {
      await threaded.close();
    }
  });

  test('a file that exhausts the capped heap is analysed again with room', async () => {
    const { log, lines } = recordingLogger();
    const analyser = createFileAnalyser(DATA, log, {
      script: BUNDLED,
      limits: { maxOldGenerationSizeMb: 20, maxYoungGenerationSizeMb: 1 },
    });
    try {
      const outcome = await analyser.analyse(large);
      assert.equal(codes(outcome).length, 20000);
      assert.ok(lines.some((line) => /scan thread stopped on .*large\.py/.test(line)));
      // The capped thread comes back for the next file.
      assert.deepEqual(codes(await analyser.analyse(softmax)), ['NG101']);
    } finally {
      await analyser.close();
    }
  });

  test('a rule failure in the thread is logged once per rule and file, over every scan', async () => {
    // A stand-in thread whose analysis reports a failing rule for every file.
    const failing = path.join(root, 'failing-worker.js');
    fs.writeFileSync(
      failing,
      [
        "const { parentPort } = require('node:worker_threads');",
        'parentPort.on("message", (request) => {',
        '  const ruleFailure = { code: "NG101", file: request.path, detail: "Error: boom" };',
        '  parentPort.postMessage({ ruleFailure });',
        '  parentPort.postMessage({ id: request.id, outcome: { kind: "analysed", count: 0, findings: [] } });',
        '});',
        'parentPort.postMessage({ ready: true });',
      ].join('\n'),
    );
    const { log, lines } = recordingLogger();
    for (let scan = 0; scan < 2; scan++) {
      const analyser = createFileAnalyser(DATA, log, { script: failing });
      try {
        await analyser.analyse(softmax);
      } finally {
        await analyser.close();
      }
    }
    const failures = lines.filter((line) => line.startsWith('Rule NG101 failed'));
    assert.equal(failures.length, 1);
    assert.match(failures[0], /softmax\.py; its other findings are kept\.\nError: boom/);
  });

  test('when creating a thread throws, files are analysed on the calling thread', async () => {
    // Node refuses a bare file name at once, as it refuses a thread over the process limit.
    const { log, lines } = recordingLogger();
    const analyser = createFileAnalyser(DATA, log, { script: 'scanWorker.js' });
    try {
      assert.deepEqual(codes(await analyser.analyse(softmax)), ['NG101']);
      assert.ok(lines.some((line) => /scan thread could not start/.test(line)));
    } finally {
      await analyser.close();
    }
  });

  test('when no thread can start, files are analysed on the calling thread', async () => {
    const broken = path.join(root, 'broken-worker.js');
    fs.writeFileSync(broken, 'throw new Error("no threads here");\n');
    const { log, lines } = recordingLogger();
    const analyser = createFileAnalyser(DATA, log, { script: broken });
    try {
      assert.deepEqual(codes(await analyser.analyse(softmax)), ['NG101']);
      assert.ok(lines.some((line) => /could not start \(no threads here\)/.test(line)));
    } finally {
      await analyser.close();
    }
  });
});
