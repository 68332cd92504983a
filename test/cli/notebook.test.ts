// Notebooks through the command: findings name their cell, and --fix rewrites only the sources of
// the cells it changes, leaving every other byte of the file as it was.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { findingLines, makeProject, removeProject, runCli } from './support';

/**
 * A notebook as Jupyter writes it (one-space indentation, sources as lists of lines), with an
 * output holding escaped non-ASCII text that a re-serialisation would not reproduce.
 */
const NOTEBOOK = `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [],
   "source": [
    "%matplotlib inline\\n",
    "import numpy as np"
   ]
  },
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "# Scores\\n",
    "Turn logits into probabilities."
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {"scrolled": true},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "caf\\u00e9 \\u001b[31mwarning\\u001b[0m\\n"
     ]
    }
   ],
   "source": [
    "!pip install scipy\\n",
    "logits = np.array([120.0, 80.0])\\n",
    "probs = np.exp(logits) / np.sum(np.exp(logits))"
   ]
  }
 ],
 "metadata": {
  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
  "language_info": {"name": "python", "version": "3.11.4"}
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

/** A Python notebook of code cells with the given source lines, as JSON would hold it. */
function notebookOf(cells: string[][]): object {
  return {
    cells: cells.map((source) => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: { language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Everything outside the cells' source lists, which --fix must leave byte for byte. */
function outsideSources(text: string): string {
  return text.replace(/"source": \[[\s\S]*?\n {3}\]/g, '"source": <replaced>');
}

describe('notebooks', () => {
  test('a finding names its cell (1-based) and its line within the cell', () => {
    const root = makeProject({ 'scores.ipynb': NOTEBOOK });
    try {
      const run = runCli(['check'], root);
      assert.equal(run.status, 1);
      assert.deepEqual(findingLines(run.stdout), ['scores.ipynb:cell 3:3:9: NG101']);
      const [finding] = JSON.parse(runCli(['check', '--format', 'json'], root).stdout);
      assert.equal(finding.cell, 3);
      assert.deepEqual([finding.line, finding.column], [3, 9]);
      // Annotations and SARIF address the .ipynb's own lines: the one that holds the source line.
      const fileLine =
        NOTEBOOK.split('\n').findIndex((line) => line.includes('probs = np.exp')) + 1;
      const github = runCli(['check', '--format', 'github'], root).stdout;
      assert.match(
        github,
        new RegExp(
          `^::warning file=scores\\.ipynb,line=${fileLine},endLine=${fileLine},title=[^:]*::cell 3:3:9: exp\\(\\)`,
        ),
      );
      const sarif = JSON.parse(runCli(['check', '--format', 'sarif'], root).stdout);
      const [location] = sarif.runs[0].results[0].locations;
      assert.deepEqual(location.physicalLocation.region, {
        startLine: fileLine,
        endLine: fileLine,
      });
      assert.deepEqual(location.physicalLocation.properties, {
        cell: 3,
        cellLine: 3,
        cellColumn: 9,
      });
    } finally {
      removeProject(root);
    }
  });

  test('--fix rewrites only cell sources and keeps the rest of the JSON byte-identical', () => {
    const root = makeProject({ 'scores.ipynb': NOTEBOOK });
    try {
      const run = runCli(['check', '--fix'], root);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const fixed = fs.readFileSync(path.join(root, 'scores.ipynb'), 'utf8');
      assert.notEqual(fixed, NOTEBOOK);
      assert.equal(outsideSources(fixed), outsideSources(NOTEBOOK));

      const before = JSON.parse(NOTEBOOK);
      const after = JSON.parse(fixed);
      // The magics stay; the markdown cell is untouched; the hazard is gone.
      assert.equal(after.cells[0].source[0], '%matplotlib inline\n');
      assert.deepEqual(after.cells[1], before.cells[1]);
      assert.ok(after.cells[2].source.includes('!pip install scipy\n'));
      // The import the fix adds runs after the install, in the cell that needs it.
      assert.equal(after.cells[2].source[0], '!pip install scipy\n');
      assert.match(after.cells[2].source[1], /^from scipy\.special import softmax/);
      assert.ok(Array.isArray(after.cells[2].source));
      assert.doesNotMatch(after.cells[2].source.join(''), /np\.exp/);
      assert.match(after.cells[2].source.join(''), /softmax\(logits\)/);
      assert.equal(runCli(['check'], root).status, 0);
    } finally {
      removeProject(root);
    }
  });

  test('an added import goes into the fixed cell, after its shell commands, not an earlier cell', () => {
    const notebook = notebookOf([
      ['import numpy as np\n'],
      ['!pip install \\\n', '    scipy\n'],
      ['logits = np.array([120.0, 80.0])\n', 'p = np.exp(logits) / np.sum(np.exp(logits))'],
    ]);
    const root = makeProject({ 'install.ipynb': JSON.stringify(notebook, null, 1) });
    try {
      assert.equal(runCli(['check', '--fix'], root).status, 0);
      const after = JSON.parse(fs.readFileSync(path.join(root, 'install.ipynb'), 'utf8'));
      assert.deepEqual(after.cells[0].source, ['import numpy as np\n']);
      assert.deepEqual(after.cells[1].source, ['!pip install \\\n', '    scipy\n']);
      assert.match(after.cells[2].source[0], /^from scipy\.special import softmax/);
    } finally {
      removeProject(root);
    }
  });

  test('a line a fix inserts among the code (a clip before the step) stays where it belongs', () => {
    const notebook = notebookOf([
      [
        'import torch\n',
        'model = torch.nn.Linear(2, 1)\n',
        'opt = torch.optim.SGD(model.parameters(), lr=0.1)\n',
        'data = [torch.randn(4, 2)]\n',
      ],
      [
        'for x in data:\n',
        '    loss = model(x).sum()\n',
        '    loss.backward()\n',
        '    opt.step()\n',
        '    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n',
      ],
    ]);
    const root = makeProject({ 'clip.ipynb': JSON.stringify(notebook, null, 1) });
    try {
      runCli(['check', '--fix', '--select', 'NG802'], root);
      const after = JSON.parse(fs.readFileSync(path.join(root, 'clip.ipynb'), 'utf8'));
      assert.deepEqual(after.cells[1].source, [
        'for x in data:\n',
        '    loss = model(x).sum()\n',
        '    loss.backward()\n',
        '    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n',
        '    opt.step()\n',
      ]);
    } finally {
      removeProject(root);
    }
  });

  test('--diff on a notebook writes nothing', () => {
    const root = makeProject({ 'scores.ipynb': NOTEBOOK });
    try {
      const run = runCli(['check', '--diff'], root);
      assert.equal(run.status, 1);
      assert.match(run.stdout, /^--- a\/scores\.ipynb$/m);
      assert.equal(fs.readFileSync(path.join(root, 'scores.ipynb'), 'utf8'), NOTEBOOK);
    } finally {
      removeProject(root);
    }
  });

  test('a notebook of another language is skipped with a message', () => {
    const julia = NOTEBOOK.replace('"language": "python"', '"language": "julia"');
    const root = makeProject({ 'julia.ipynb': julia });
    try {
      const run = runCli(['check'], root);
      assert.equal(run.status, 0);
      assert.match(run.stderr, /^julia\.ipynb: skipped: a julia notebook/m);
    } finally {
      removeProject(root);
    }
  });
});
