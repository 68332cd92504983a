// The scenarios of the real-editor test, in the order they run. Each one checks what the user
// sees in the page and, when a file changes, what reached the disk. They share one workbench,
// and each opens the file it works on.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LONG_WAIT_MS, poll, SHORT_WAIT_MS, type Problem, type Workbench } from './workbench';

export interface ScenarioContext {
  workbench: Workbench;
  workspace: string;
  /** Process ids of the running NaN Guard language servers. */
  serverPids(): number[];
}

export interface Scenario {
  id: string;
  name: string;
  run(context: ScenarioContext): Promise<void>;
}

/** Waits until the Problems panel lists a NaN Guard finding of `code` at a position of a file. */
async function waitForProblem(
  workbench: Workbench,
  fileName: string,
  expected: { code: string; line: number; column: number },
  timeoutMs = LONG_WAIT_MS,
): Promise<Problem> {
  const description = `${expected.code} at ${fileName}:${expected.line}:${expected.column}`;
  return poll(
    `the Problems panel to list ${description}`,
    async () =>
      (await workbench.problems(fileName)).find(
        (problem) =>
          path.basename(problem.file) === fileName &&
          problem.source === 'nanguard' &&
          problem.code === expected.code &&
          problem.line === expected.line &&
          problem.column === expected.column,
      ),
    timeoutMs,
  );
}

async function findingsIn(workbench: Workbench, fileName: string): Promise<Problem[]> {
  return (await workbench.problems(fileName)).filter(
    (problem) => path.basename(problem.file) === fileName && problem.source === 'nanguard',
  );
}

function readWorkspaceFile(context: ScenarioContext, relativePath: string): string {
  return fs.readFileSync(path.join(context.workspace, relativePath), 'utf8');
}

/** Lines that import scipy.special, in any of the forms a fix may choose. */
function scipySpecialImports(text: string): number {
  return countMatches(
    text,
    /^(import scipy\.special\b|from scipy\.special import\b|from scipy import special\b)/m,
  );
}

function countMatches(text: string, pattern: RegExp): number {
  return [
    ...text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    ),
  ].length;
}

const diagnosticOnOpen: Scenario = {
  id: '1-diagnostic',
  name: 'opening a Python softmax by hand shows NG101 in the editor and the Problems panel',
  async run({ workbench }) {
    await workbench.openFile('softmax.py');
    await poll(
      'a warning squiggle in softmax.py',
      async () => (await workbench.squiggles('warning').count()) > 0,
      LONG_WAIT_MS,
    );
    const problem = await waitForProblem(workbench, 'softmax.py', {
      code: 'NG101',
      line: 5,
      column: 12,
    });
    assert.equal(problem.severity, 'warning');
    assert.match(problem.message, /softmax/);
    await workbench.screenshot('diagnostic-and-problems');
  },
};

const hoverExplains: Scenario = {
  id: '2-hover',
  name: 'the hover on the finding explains the overflow with its number',
  async run({ workbench }) {
    await workbench.openFile('softmax.py');
    const hover = await workbench.hover(workbench.squiggles('warning').first(), /naive-softmax/);
    assert.match(hover, /NG101/);
    assert.match(hover, /88\.7/);
    await workbench.screenshot('hover');
  },
};

const quickFix: Scenario = {
  id: '3-quick-fix',
  name: 'Ctrl+. applies the preferred fix; the saved file has the fix and one import',
  async run(context) {
    const { workbench } = context;
    await workbench.openFile('softmax.py');
    const titles = await workbench.applyQuickFix(5, 12, /^Use .*softmax.*\(NG101\)/);
    assert.ok(
      titles.some((title) => /Ignore NG101 on this line/.test(title)),
      `the menu also offers to ignore the line: ${titles.join(' | ')}`,
    );
    await poll('the fix in the editor', async () =>
      (await workbench.editorText()).includes('softmax(logits, axis=-1)'),
    );
    await workbench.save();
    const onDisk = await poll('the fix on disk', async () => {
      const text = readWorkspaceFile(context, 'softmax.py');
      return text.includes('softmax(logits, axis=-1)') ? text : undefined;
    });
    assert.equal(scipySpecialImports(onDisk), 1, onDisk);
    assert.equal(countMatches(onDisk, /^import numpy as np$/m), 1, onDisk);
    assert.doesNotMatch(onDisk, /np\.exp\(logits\) \//);
    await poll(
      'the squiggle to disappear',
      async () => (await workbench.squiggles('warning').count()) === 0,
    );
    await poll('NG101 of softmax.py to leave the Problems panel', async () =>
      (await findingsIn(workbench, 'softmax.py')).every((problem) => problem.code !== 'NG101'),
    );
    await workbench.screenshot('fixed-and-saved');
  },
};

const typescriptSoftmax: Scenario = {
  id: '6-typescript',
  name: 'a TensorFlow.js softmax by hand in TypeScript gets NG101',
  async run({ workbench }) {
    await workbench.openFile('tfjs.ts');
    await poll(
      'a warning squiggle in tfjs.ts',
      async () => (await workbench.squiggles('warning').count()) > 0,
      LONG_WAIT_MS,
    );
    await waitForProblem(workbench, 'tfjs.ts', { code: 'NG101', line: 4, column: 13 });
    await workbench.screenshot('typescript-diagnostic');
  },
};

/** The notebook of the notebook scenario, as the fixture workspace has it. */
const NOTEBOOK = 'probabilities.ipynb';

interface NotebookJson {
  cells: {
    cell_type: string;
    source: string | string[];
    [key: string]: unknown;
  }[];
  [key: string]: unknown;
}

function cellSource(cell: NotebookJson['cells'][number]): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** The notebook without one cell's source, for comparing everything the fix must not touch. */
function withoutSourceOf(notebook: NotebookJson, index: number): NotebookJson {
  return {
    ...notebook,
    cells: notebook.cells.map((cell, position) =>
      position === index ? { ...cell, source: '' } : cell,
    ),
  };
}

const notebookCell: Scenario = {
  id: '10-notebook',
  name: 'a Jupyter notebook cell gets NG101; its quick fix rewrites only that cell on disk',
  async run(context) {
    const { workbench } = context;
    const original = JSON.parse(readWorkspaceFile(context, NOTEBOOK)) as NotebookJson;
    await workbench.openNotebook(NOTEBOOK, 3);
    // Cell 1 imports numpy, cell 2 is markdown, cell 3 holds the softmax by hand.
    const softmaxCell = 2;
    await poll(
      'a warning squiggle in the third cell',
      async () => (await workbench.cellSquiggles(softmaxCell, 'warning').count()) > 0,
      LONG_WAIT_MS,
    );
    assert.equal(
      await workbench.cellSquiggles(0, 'warning').count(),
      0,
      'the import cell is clean',
    );

    let listed: Problem[] = [];
    const problem = await poll(
      'the Problems panel to list NG101 at Ln 2, Col 9 of the notebook',
      async () => {
        listed = await workbench.problems(NOTEBOOK);
        return listed.find(
          (each) =>
            each.file.includes(NOTEBOOK) &&
            each.code === 'NG101' &&
            each.source === 'nanguard' &&
            each.line === 2 &&
            each.column === 9,
        );
      },
      LONG_WAIT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; listed: ${JSON.stringify(listed)}`);
    });
    assert.equal(problem.severity, 'warning');
    assert.match(problem.message, /softmax/);
    // The panel lists the finding under the notebook; opening it selects the third cell.
    assert.match(problem.resource, new RegExp(`^1 problems in file ${NOTEBOOK}\\b`));
    await workbench.openProblem('NG101');
    await workbench.page
      .locator('.statusbar-item', { hasText: 'Cell 3 of 3' })
      .waitFor({ timeout: SHORT_WAIT_MS });
    await workbench.screenshot('notebook-diagnostic');

    await workbench.clickInto(
      workbench.cellSquiggles(softmaxCell, 'warning').first(),
      workbench.cellEditor(softmaxCell),
    );
    await workbench.pickCodeAction(/^Use .*softmax.*\(NG101\)/);
    await poll('the fix in the third cell', async () =>
      /probs = (?:[\w.]+\.)?softmax\(x\)/.test(
        await workbench.textOf(workbench.cellEditor(softmaxCell)),
      ),
    );
    await poll(
      'the squiggle of the third cell to disappear',
      async () => (await workbench.cellSquiggles(softmaxCell, 'warning').count()) === 0,
    );
    await workbench.runCommand('File: Save');
    await poll('the saved notebook tab to lose its dirty mark', async () => {
      return (await workbench.page.locator('.tab.active.dirty').count()) === 0;
    });

    const saved = await poll('the fixed notebook on disk', async () => {
      const text = readWorkspaceFile(context, NOTEBOOK);
      return text.includes('softmax(x)') ? (JSON.parse(text) as NotebookJson) : undefined;
    });
    // Everything but the third cell's source, the notebook metadata included, is as it was.
    assert.deepEqual(withoutSourceOf(saved, softmaxCell), withoutSourceOf(original, softmaxCell));
    const fixed = cellSource(saved.cells[softmaxCell]);
    assert.equal(scipySpecialImports(fixed), 1, fixed);
    assert.doesNotMatch(fixed, /np\.exp\(x\) \//);
    const untouchedLines = fixed
      .split('\n')
      .filter((line) => scipySpecialImports(line) === 0)
      .map((line) => line.replace(/(?:[\w.]+\.)?softmax\(x\)/, 'softmax(x)'));
    assert.deepEqual(untouchedLines, [
      'x = np.array([1.0, 2.0, 3.0])',
      'probs = softmax(x)',
      'probs',
    ]);
    await workbench.screenshot('notebook-fixed-and-saved');
  },
};

const scanWorkspace: Scenario = {
  id: '4-scan-workspace',
  name: '"NaN Guard: Scan Workspace" reports the findings of a file that is not open',
  async run({ workbench }) {
    assert.deepEqual(
      await findingsIn(workbench, 'attention.py'),
      [],
      'models/attention.py, never opened, has no findings before the scan',
    );
    await workbench.runCommand('NaN Guard: Scan Workspace');
    await waitForProblem(workbench, 'attention.py', { code: 'NG101', line: 5, column: 15 });
    await poll('the scan summary notification', async () =>
      (await workbench.notifications()).find((text) => /NaN Guard scanned \d+ files/.test(text)),
    );
    await workbench.screenshot('scan-results');
  },
};

const fixAllOnSave: Scenario = {
  id: '5-fix-all-on-save',
  name: 'source.fixAll.nanguard on save applies the safe fixes only',
  async run(context) {
    const { workbench } = context;
    await workbench.openFile('fix_on_save.py');
    await poll(
      'a warning squiggle in fix_on_save.py',
      async () => (await workbench.squiggles('warning').count()) > 0,
      LONG_WAIT_MS,
    );
    // An edit makes the document dirty, so saving it runs the save participants.
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.type('\n# checked');
    await workbench.save();
    const onDisk = await poll('the saved file with the safe fix', async () => {
      const text = readWorkspaceFile(context, 'fix_on_save.py');
      const saved = text.includes('# checked') && text.includes('softmax(logits, axis=1)');
      return saved ? text : undefined;
    });
    assert.doesNotMatch(onDisk, /np\.exp\(logits\) \//);
    assert.equal(scipySpecialImports(onDisk), 1, onDisk);
    // Gradient clipping changes the training, so its fix is unsafe and must not be applied;
    // ignore comments are not fixes either.
    assert.doesNotMatch(onDisk, /clip_grad_norm_/);
    assert.doesNotMatch(onDisk, /nanguard: ignore|noqa/);
    assert.equal((await workbench.editorText()).trim(), onDisk.trim());
    await workbench.screenshot('fix-all-on-save');
  },
};

const restartAfterCrash: Scenario = {
  id: '7-server-crash',
  name: 'a crashed server is restarted, the user is told once and can open the log',
  async run(context) {
    const { workbench } = context;
    const [pid] = await poll('the language server process', async () => {
      const pids = context.serverPids();
      return pids.length === 1 ? pids : undefined;
    });
    process.kill(pid, 'SIGKILL');

    const message = 'The NaN Guard server stopped unexpectedly and was restarted.';
    const toast = workbench.page.locator('.notification-toast', { hasText: message });
    await toast.waitFor({ state: 'visible', timeout: LONG_WAIT_MS });
    const restarted = await poll('a new language server process', async () => {
      const pids = context.serverPids();
      return pids.length === 1 && pids[0] !== pid ? pids[0] : undefined;
    });
    await workbench.screenshot('crash-notification');

    await toast.getByRole('button', { name: 'Open Log' }).click();
    const logLines = workbench.page.locator('.part.panel .monaco-editor .view-lines');
    await poll('the NaN Guard log in the Output panel', async () => {
      await workbench.clearPanelFilter();
      const texts = await logLines.evaluateAll((elements) =>
        elements.map((element) => element.textContent ?? ''),
      );
      const text = texts.join('\n').replace(/\u00a0/g, ' ');
      return text.includes('Starting the NaN Guard server') ? text : undefined;
    });

    // The new server analyses documents again: an edit brings a finding back.
    await workbench.openFile('tfjs.ts');
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.type(
      '\nexport const again = (x: tf.Tensor) => tf.div(tf.exp(x), tf.sum(tf.exp(x)));',
    );
    await waitForProblem(workbench, 'tfjs.ts', { code: 'NG101', line: 8, column: 47 });
    assert.deepEqual(context.serverPids(), [restarted]);
    await workbench.screenshot('after-restart');
  },
};

/** Rewrites the workspace settings file, as a user editing .vscode/settings.json does. */
function writeWorkspaceSettings(context: ScenarioContext, changes: Record<string, unknown>): void {
  const file = path.join(context.workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...settings, ...changes }, null, 2));
}

const enableSetting: Scenario = {
  id: '8-enable-setting',
  name: 'nanguard.enable: false stops the server and clears its findings; true brings them back',
  async run(context) {
    const { workbench } = context;
    await workbench.openFile('tfjs.ts');
    await waitForProblem(workbench, 'tfjs.ts', { code: 'NG101', line: 4, column: 13 });
    const statusItem = workbench.page.locator('.statusbar-item', { hasText: 'NaN Guard' });

    writeWorkspaceSettings(context, { 'nanguard.enable': false });
    await poll('the language server to stop', async () => context.serverPids().length === 0);
    await statusItem.locator('.codicon-circle-slash').waitFor({ timeout: LONG_WAIT_MS });
    await poll(
      'the findings of tfjs.ts to be cleared',
      async () => (await findingsIn(workbench, 'tfjs.ts')).length === 0,
    );
    await workbench.screenshot('disabled');

    writeWorkspaceSettings(context, { 'nanguard.enable': true });
    await waitForProblem(workbench, 'tfjs.ts', { code: 'NG101', line: 4, column: 13 });
    await statusItem.locator('.codicon-pass').waitFor({ timeout: LONG_WAIT_MS });
    assert.equal(context.serverPids().length, 1);
  },
};

/** Hiragana, katakana or kanji: the text was translated. */
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

const japaneseDisplayLanguage: Scenario = {
  id: '9-japanese',
  name: 'with Japanese as display language, findings, hover, commands and messages are Japanese',
  async run({ workbench }) {
    await workbench.openFile('softmax.py');
    const problem = await waitForProblem(workbench, 'softmax.py', {
      code: 'NG101',
      line: 5,
      column: 12,
    });
    assert.match(problem.message, JAPANESE);
    const hover = await workbench.hover(workbench.squiggles('warning').first(), /naive-softmax/);
    assert.match(hover, JAPANESE);
    await workbench.screenshot('japanese-hover');

    const statusItem = workbench.page.locator('.statusbar-item', { hasText: 'NaN Guard' });
    await poll('the status item to describe the server in Japanese', async () =>
      JAPANESE.test((await statusItem.locator('a').first().getAttribute('aria-label')) ?? ''),
    );

    // The command title comes from package.nls.ja.json, the summary from the client's bundle.
    await workbench.runCommand('NaN Guard: ワークスペースをスキャン');
    await waitForProblem(workbench, 'attention.py', { code: 'NG101', line: 5, column: 15 });
    await poll('the scan summary in Japanese', async () =>
      (await workbench.notifications()).find((text) => /スキャンし/.test(text)),
    );
    await workbench.screenshot('japanese-scan');
  },
};

export interface Session {
  /** Names the sandbox folders and the screenshot folder. */
  name: string;
  /** VS Code's display language for this session. */
  locale: 'en' | 'ja';
  scenarios: Scenario[];
}

export const SESSIONS: Session[] = [
  {
    name: 'english',
    locale: 'en',
    scenarios: [
      diagnosticOnOpen,
      hoverExplains,
      quickFix,
      // The TypeScript file is checked before the workspace scan, which would publish its
      // findings too: its diagnostic must come from opening it.
      typescriptSoftmax,
      // The notebook too: the scan would publish findings for the notebook file as a whole.
      notebookCell,
      scanWorkspace,
      fixAllOnSave,
      restartAfterCrash,
      enableSetting,
    ],
  },
  { name: 'japanese', locale: 'ja', scenarios: [japaneseDisplayLanguage] },
];

export const SCENARIO_COUNT = SESSIONS.reduce((sum, session) => sum + session.scenarios.length, 0);
