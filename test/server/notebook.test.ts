// Notebook sync: the code cells of one notebook are analysed together, findings land on their
// cell's URI, and fixes edit only that cell.

import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { applyEdits, editsOf } from './support/documents';
import { LspTestClient } from './support/lspClient';

const NOTEBOOK = 'file:///work/notebooks/demo.ipynb';
const cellUri = (id: string) => `vscode-notebook-cell:/work/notebooks/demo.ipynb#${id}`;
const IMPORTS = cellUri('W0');
const NOTES = cellUri('W1');
const SOFTMAX = cellUri('W2');
const SOFTMAX_TEXT = 'def softmax(x):\n    return np.exp(x) / np.exp(x).sum()\n';

describe('notebooks', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ initializationOptions: { diagnosticDelay: 30 } });
  });
  after(() => client.stop());

  test('an import in cell 1 serves cell 3; the finding is published on cell 3', async () => {
    const published = client.nextDiagnostics(SOFTMAX);
    const importsPublished = client.nextDiagnostics(IMPORTS);
    await client.notify('notebookDocument/didOpen', {
      notebookDocument: {
        uri: NOTEBOOK,
        notebookType: 'jupyter-notebook',
        version: 1,
        cells: [
          { kind: 2, document: IMPORTS },
          { kind: 1, document: NOTES },
          { kind: 2, document: SOFTMAX },
        ],
      },
      cellTextDocuments: [
        {
          uri: IMPORTS,
          languageId: 'python',
          version: 1,
          text: '%matplotlib inline\nimport numpy as np\n',
        },
        { uri: NOTES, languageId: 'markdown', version: 1, text: '# Softmax by hand' },
        { uri: SOFTMAX, languageId: 'python', version: 1, text: SOFTMAX_TEXT },
      ],
    });
    const { diagnostics, version } = await published;
    assert.equal(version, 1);
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.range]),
      [['NG101', { start: { line: 1, character: 11 }, end: { line: 1, character: 20 } }]],
    );
    assert.equal(diagnostics[0].relatedInformation![0].location.uri, SOFTMAX);
    assert.deepEqual((await importsPublished).diagnostics, []);
  });

  test('hover and the fix map through the cell; the fix edits only that cell', async () => {
    const { diagnostics } = client.latestDiagnostics.get(SOFTMAX)!;
    const hover = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri: SOFTMAX },
      position: { line: 1, character: 13 },
    });
    assert.match((hover.contents as MarkupContent).value, /NG101 naive-softmax/);

    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: SOFTMAX },
      range: diagnostics[0].range,
      context: { diagnostics, only: ['quickfix'] },
    });
    const fix = actions.find((action) => action.isPreferred)!;
    assert.equal(fix.title, 'Use scipy.special.softmax (NG101)');
    assert.equal(
      applyEdits(SOFTMAX_TEXT, editsOf(fix, SOFTMAX, 1)),
      'import scipy.special\ndef softmax(x):\n    return scipy.special.softmax(x)\n',
    );
  });

  test('rebinding np in cell 1 to another module clears the finding in cell 3', async () => {
    const cleared = client.nextDiagnostics(SOFTMAX, (params) => params.diagnostics.length === 0);
    await client.notify('notebookDocument/didChange', {
      notebookDocument: { uri: NOTEBOOK, version: 2 },
      change: {
        cells: {
          textContent: [
            {
              document: { uri: IMPORTS, version: 2 },
              changes: [
                {
                  range: { start: { line: 1, character: 0 }, end: { line: 1, character: 18 } },
                  text: 'import mylib as np',
                },
              ],
            },
          ],
        },
      },
    });
    await cleared;
  });

  test('closing the notebook clears every cell', async () => {
    const cleared = client.nextDiagnostics(SOFTMAX);
    await client.notify('notebookDocument/didClose', {
      notebookDocument: { uri: NOTEBOOK },
      cellTextDocuments: [{ uri: IMPORTS }, { uri: NOTES }, { uri: SOFTMAX }],
    });
    assert.deepEqual((await cleared).diagnostics, []);
  });
});
