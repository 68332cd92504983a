// The built language server over stdio: diagnostics as documents open and change, code actions and
// their edits, hover, settings, the Japanese locale, and documents that do not parse.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  CodeAction,
  Diagnostic,
  Hover,
  InitializeResult,
  MarkupContent,
} from 'vscode-languageserver-protocol';
import { allRules } from '../../rules';
import { analyzeText } from '../../rules/engine/engine';
import { initParsers } from '../../rules/engine/parser';
import { generateMlFile } from './support/latency';
import { LspTestClient, SERVER_PATH } from './support/lspClient';
import {
  applyEdits,
  editsOf,
  japaneseTranslation,
  SOFTMAX,
  SOFTMAX_FIXED,
} from './support/documents';

const NG101_MESSAGE =
  'exp() of unshifted values is divided by their sum: a softmax by hand. exp overflows float32 above ~88.7, giving inf / inf = NaN; use a library softmax or subtract the max first.';

function codeActionsAt(
  client: LspTestClient,
  uri: string,
  diagnostics: Diagnostic[],
  only?: string[],
): Promise<CodeAction[]> {
  return client.request('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostics[0].range,
    context: { diagnostics, only },
  });
}

describe('language server', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ initializationOptions: { diagnosticDelay: 30 } });
    await initParsers(['python']);
  });
  after(() => client.stop());

  test('announces incremental sync, notebooks, code actions and hover', () => {
    const { capabilities } = client.initializeResult as InitializeResult;
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.deepEqual(capabilities.notebookDocumentSync, {
      notebookSelector: [
        { notebook: { notebookType: 'jupyter-notebook' }, cells: [{ language: 'python' }] },
      ],
    });
    assert.deepEqual(capabilities.codeActionProvider, {
      codeActionKinds: ['quickfix', 'source.fixAll.nanguard'],
      resolveProvider: true,
    });
    assert.equal(capabilities.hoverProvider, true);
  });

  test('publishes NG101 for a hand-written softmax, with its link and related location', async () => {
    const uri = 'file:///work/sample/softmax.py';
    const published = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    const { diagnostics, version } = await published;

    assert.equal(version, 1);
    assert.equal(diagnostics.length, 1);
    const [diagnostic] = diagnostics;
    assert.equal(diagnostic.code, 'NG101');
    assert.equal(diagnostic.source, 'nanguard');
    assert.equal(diagnostic.severity, 2);
    assert.equal(diagnostic.message, NG101_MESSAGE);
    assert.deepEqual(diagnostic.range, {
      start: { line: 4, character: 11 },
      end: { line: 4, character: 25 },
    });
    assert.match(
      diagnostic.codeDescription!.href,
      /^file:\/\/\/.*\/docs\/rules\/NG101-naive-softmax\.md$/,
    );
    assert.deepEqual(diagnostic.relatedInformation, [
      {
        location: {
          uri,
          range: { start: { line: 4, character: 11 }, end: { line: 4, character: 74 } },
        },
        message: 'The exp is normalised here.',
      },
    ]);
    assert.deepEqual(diagnostic.data, { version: 1, name: 'naive-softmax' });
    await client.close(uri);
  });

  test('an incremental change that shifts the exponent clears the diagnostic', async () => {
    const uri = 'file:///work/sample/edited.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    assert.equal((await opened).diagnostics.length, 1);

    // `np.exp(logits)` → `np.exp(logits - logits.max())`, typed in two edits.
    const cleared = client.nextDiagnostics(uri, (params) => params.version === 3);
    const at = { line: 4, character: 24 };
    await client.change(uri, 2, [{ range: { start: at, end: at }, text: ' - logits' }]);
    const later = { line: 4, character: 33 };
    await client.change(uri, 3, [{ range: { start: later, end: later }, text: '.max()' }]);
    const { diagnostics } = await cleared;
    assert.deepEqual(diagnostics, []);

    // Removing the shift again brings it back: the tree follows the edits both ways.
    const back = client.nextDiagnostics(uri, (params) => params.version === 4);
    await client.change(uri, 4, [
      { range: { start: at, end: { line: 4, character: 39 } }, text: '' },
    ]);
    assert.equal((await back).diagnostics.length, 1);
    await client.close(uri);
  });

  test('an edit inside one function: the findings are those of a fresh analysis, and untouched functions keep working fixes', async () => {
    const uri = 'file:///work/sample/many-functions.py';
    const original = generateMlFile(300);
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, original);
    const before = (await opened).diagnostics;
    assert.ok(before.length > 10);

    // A hand-written softmax typed as a new line at the end of one function's body.
    const lines = original.split('\n');
    const line = lines.lastIndexOf('    return correct / max(total, 1)');
    const at = { line, character: lines[line].length };
    const typed = '\n    shares = np.exp(scores) / np.exp(scores).sum()';
    const edited = applyEdits(original, [{ range: { start: at, end: at }, newText: typed }]);
    const published = client.nextDiagnostics(uri, (params) => params.version === 2);
    await client.change(uri, 2, [{ range: { start: at, end: at }, text: typed }]);
    const after = (await published).diagnostics;

    const fresh = analyzeText(edited, 'python', { rules: allRules, withFixes: false }).findings;
    const seen = (list: { range: unknown; code?: unknown; message: unknown }[]) =>
      list.map((item) => JSON.stringify([item.range, String(item.code), item.message])).sort();
    assert.deepEqual(seen(after), seen(fresh));
    assert.equal(after.length, before.length + 1);

    // The fix of a finding in a function the edit did not touch still applies and removes it.
    const untouched = after.find((diagnostic) => diagnostic.range.start.line < line - 40);
    assert.ok(untouched);
    const actions = await codeActionsAt(client, uri, [untouched]);
    const fix = actions.find((action) => action.isPreferred);
    assert.ok(fix, `a preferred fix for ${String(untouched.code)}`);
    const fixed = applyEdits(edited, editsOf(fix, uri, 2));
    const remaining = analyzeText(fixed, 'python', { rules: allRules, withFixes: false }).findings;
    assert.equal(
      remaining.filter(
        (finding) =>
          finding.code === untouched.code &&
          finding.range.start.line === untouched.range.start.line,
      ).length,
      0,
    );
    await client.close(uri);
  });

  test('code actions: the preferred fix, ignore on the line, ignore in the file, fix all', async () => {
    const uri = 'file:///work/sample/actions.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX, 'python', 7);
    const { diagnostics } = await opened;
    const actions = await codeActionsAt(client, uri, diagnostics);

    assert.deepEqual(
      actions.map((action) => [action.title, action.kind, action.isPreferred ?? false]),
      [
        ['Use scipy.special.softmax (NG101)', 'quickfix', true],
        ['Ignore NG101 on this line', 'quickfix', false],
        ['Ignore NG101 in this file', 'quickfix', false],
        ['Fix all NaN Guard problems', 'source.fixAll.nanguard', false],
      ],
    );
    const [fix, ignoreLine, ignoreFile, fixAll] = actions;
    assert.equal(applyEdits(SOFTMAX, editsOf(fix, uri, 7)), SOFTMAX_FIXED);
    assert.equal(
      applyEdits(SOFTMAX, editsOf(ignoreLine, uri, 7)).split('\n')[4],
      '    return np.exp(logits) / np.sum(np.exp(logits), axis=-1, keepdims=True) # nanguard: ignore[NG101]',
    );
    assert.ok(
      applyEdits(SOFTMAX, editsOf(ignoreFile, uri, 7)).startsWith(
        '# nanguard: noqa[NG101]\nimport numpy',
      ),
    );

    assert.equal(fixAll.edit, undefined, 'fix-all computes its edit when resolved');
    const resolved = await client.request<CodeAction>('codeAction/resolve', fixAll);
    assert.equal(applyEdits(SOFTMAX, editsOf(resolved, uri, 7)), SOFTMAX_FIXED);

    const onlyFixAll = await codeActionsAt(client, uri, diagnostics, ['source.fixAll']);
    assert.deepEqual(
      onlyFixAll.map((action) => action.kind),
      ['source.fixAll.nanguard'],
    );
    await client.close(uri);
  });

  test('the ignore comment applied through the protocol silences the finding', async () => {
    const uri = 'file:///work/sample/ignored.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    const { diagnostics } = await opened;
    const [, ignoreLine] = await codeActionsAt(client, uri, diagnostics);
    const [edit] = editsOf(ignoreLine, uri, 1);

    const silenced = client.nextDiagnostics(uri, (params) => params.version === 2);
    await client.change(uri, 2, [{ range: edit.range, text: edit.newText }]);
    assert.deepEqual((await silenced).diagnostics, []);
    await client.close(uri);
  });

  test('a diagnostic of an older version gets no fix', async () => {
    const uri = 'file:///work/sample/stale.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    const { diagnostics } = await opened;
    const republished = client.nextDiagnostics(uri, (params) => params.version === 2);
    await client.change(uri, 2, [
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '\n' },
    ]);
    const stale = await codeActionsAt(client, uri, diagnostics, ['quickfix']);
    assert.deepEqual(stale, []);

    // The fresh diagnostic, one line lower, gets its fix for version 2.
    const fresh = (await republished).diagnostics;
    assert.equal(fresh[0].range.start.line, 5);
    const [fix] = await codeActionsAt(client, uri, fresh, ['quickfix']);
    assert.equal(fix.title, 'Use scipy.special.softmax (NG101)');
    assert.equal(editsOf(fix, uri, 2)[0].range.start.line, 5);
    await client.close(uri);
  });

  test('hover on the flagged range explains the hazard and links the docs', async () => {
    const uri = 'file:///work/sample/hover.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    await opened;
    const hover = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 4, character: 14 },
    });
    const { kind, value } = hover.contents as MarkupContent;
    assert.equal(kind, 'markdown');
    assert.match(value, /^\*\*NG101 naive-softmax\*\*/);
    assert.match(value, /float64 above about 709\.8/);
    assert.match(value, /\[Read the rule documentation\]\(file:\/\/\/.*NG101-naive-softmax\.md\)/);
    assert.deepEqual(hover.range, {
      start: { line: 4, character: 11 },
      end: { line: 4, character: 25 },
    });

    const elsewhere = await client.request<Hover | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 3 },
    });
    assert.equal(elsewhere, null);
    await client.close(uri);
  });

  test('a document with syntax errors gets the findings of the parts that parse', async () => {
    const uri = 'file:///work/sample/broken.py';
    const text = [
      'import torch',
      '',
      'def broken(:',
      '    return (',
      '',
      'def attention(scores):',
      '    weights = scores.exp()',
      '    return weights / weights.sum(dim=-1, keepdim=True)',
      '',
    ].join('\n');
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, text);
    const { diagnostics } = await opened;
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.range.start.line]),
      [['NG101', 6]],
    );
    // Half-typed code after it keeps the server answering.
    const next = client.nextDiagnostics(uri, (params) => params.version === 2);
    await client.change(uri, 2, [
      {
        range: { start: { line: 8, character: 0 }, end: { line: 8, character: 0 } },
        text: 'x = [[[(',
      },
    ]);
    assert.equal((await next).diagnostics.length, 1);
    assert.equal(client.process.exitCode, null);
    await client.close(uri);
  });

  test('a document over 2 MB is not analysed; the log says so and the server carries on', async () => {
    const uri = 'file:///work/sample/huge.py';
    const text = `${SOFTMAX}${'# padding\n'.repeat(230_000)}`;
    const published = client.nextDiagnostics(uri);
    await client.open(uri, text);
    assert.deepEqual((await published).diagnostics, []);
    assert.ok(client.logs.some((log) => log.type === 2 && log.message.includes('huge.py')));
    await client.close(uri);
  });

  test('documents in languages NaN Guard does not read are not followed', async () => {
    const uri = 'file:///work/sample/notes.txt';
    await client.open(uri, 'np.exp(x) / np.exp(x).sum()', 'plaintext');
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(actions, []);
    assert.equal(client.latestDiagnostics.has(uri), false);
  });

  test('closing a document clears its diagnostics', async () => {
    const uri = 'file:///work/sample/closed.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    await opened;
    const cleared = client.nextDiagnostics(uri);
    await client.close(uri);
    assert.deepEqual((await cleared).diagnostics, []);
  });

  test('TypeScript documents are analysed and ignored with // comments', async () => {
    const uri = 'file:///work/sample/model.ts';
    const text = [
      "import * as tf from '@tensorflow/tfjs';",
      '',
      'export function probabilities(logits: tf.Tensor1D): tf.Tensor {',
      '  const e = tf.exp(logits);',
      '  return e.div(e.sum());',
      '}',
      '',
    ].join('\n');
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, text, 'typescript');
    const { diagnostics } = await opened;
    assert.equal(diagnostics.length, 1);
    const actions = await codeActionsAt(client, uri, diagnostics, ['quickfix']);
    const ignoreLine = actions.find((action) => action.title === 'Ignore NG101 on this line')!;
    assert.equal(
      applyEdits(text, editsOf(ignoreLine, uri, 1)).split('\n')[3],
      '  const e = tf.exp(logits); // nanguard: ignore[NG101]',
    );
    await client.close(uri);
  });
});

describe('language server grammars', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ initializationOptions: { diagnosticDelay: 0 } });
  });
  after(() => client.stop());

  const loaded = () =>
    client.logs
      .map(({ message }) => /^Loaded the (\w+) grammar/.exec(message)?.[1])
      .filter((language) => language !== undefined);

  test('each loads with the first document of its language, and only then', async () => {
    assert.deepEqual(loaded(), []);

    const python = 'file:///work/sample/first.py';
    const analysed = client.nextDiagnostics(python);
    await client.open(python, SOFTMAX);
    assert.deepEqual(
      (await analysed).diagnostics.map((diagnostic) => diagnostic.code),
      ['NG101'],
    );
    assert.deepEqual(loaded(), ['python']);

    const script = 'file:///work/sample/first.js';
    const scriptAnalysed = client.nextDiagnostics(script);
    await client.open(
      script,
      'const p = Math.exp(a) / (Math.exp(a) + Math.exp(b));\n',
      'javascript',
    );
    assert.equal((await scriptAnalysed).diagnostics.length, 1);
    const second = 'file:///work/sample/second.py';
    const secondAnalysed = client.nextDiagnostics(second);
    await client.open(second, SOFTMAX);
    await secondAnalysed;
    assert.deepEqual(loaded(), ['python', 'javascript']);
  });
});

describe('language server without one of its grammars', () => {
  // A copy of the built server whose Python grammar is missing, as after a broken install.
  let folder: string;
  let client: LspTestClient;
  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-server-'));
    fs.cpSync(path.dirname(SERVER_PATH), folder, { recursive: true });
    fs.rmSync(path.join(folder, 'tree-sitter-python.wasm'));
    client = await LspTestClient.start({
      serverPath: path.join(folder, 'server.js'),
      initializationOptions: { diagnosticDelay: 0 },
    });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test('says so once, by name, and goes on with the other languages', async () => {
    await client.open('file:///work/sample/a.py', SOFTMAX);
    const script = 'file:///work/sample/a.js';
    const scriptAnalysed = client.nextDiagnostics(script);
    await client.open(
      script,
      'const p = Math.exp(a) / (Math.exp(a) + Math.exp(b));\n',
      'javascript',
    );
    assert.equal((await scriptAnalysed).diagnostics.length, 1);
    await client.change('file:///work/sample/a.py', 2, [{ text: SOFTMAX + '\n' }]);
    await client.open('file:///work/sample/b.py', SOFTMAX);
    const later = 'file:///work/sample/b.js';
    const laterAnalysed = client.nextDiagnostics(later);
    await client.open(later, 'Math.exp(a) / (Math.exp(a) + Math.exp(b));\n', 'javascript');
    await laterAnalysed;

    const errors = client.logs.filter(({ type }) => type === 1).map(({ message }) => message);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^Could not load the python grammar \(.*tree-sitter-python\.wasm\): /);
    assert.equal(client.shown.length, 1);
    assert.match(client.shown[0].message, /^NaN Guard cannot analyse python files: Could not load/);
    assert.equal(client.latestDiagnostics.has('file:///work/sample/a.py'), false);
  });
});

describe('language server between an edit and its analysis', () => {
  let client: LspTestClient;
  // A quiet period long enough that the test acts before the edited version is analysed.
  before(async () => {
    client = await LspTestClient.start({ initializationOptions: { diagnosticDelay: 5000 } });
  });
  after(() => client.stop());

  // NG502's preferred fix is unsafe, but this finding has a safe one (torch.linalg.vector_norm).
  const NORM = [
    'import torch',
    '',
    'def distance(a, b):',
    '    d = a - b',
    '    return torch.sqrt((d ** 2).sum(-1))',
    '',
  ].join('\n');

  test('fix-all is offered on the older analysis and resolves on the new version', async () => {
    const uri = 'file:///work/sample/norm.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, NORM, 'python', 1);
    assert.deepEqual(
      (await opened).diagnostics.map((diagnostic) => diagnostic.code),
      ['NG502'],
    );
    await client.change(uri, 2, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' },
    ]);
    const [fixAll] = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    });
    assert.equal(fixAll?.title, 'Fix all NaN Guard problems');
    const resolved = await client.request<CodeAction>('codeAction/resolve', fixAll);
    const fixed = applyEdits(`\n${NORM}`, editsOf(resolved, uri, 2));
    assert.match(fixed, /torch\.linalg\.vector_norm\(d, dim=-1\)/);
    await client.close(uri);
  });
});

describe('language server in Japanese', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({
      locale: 'ja',
      initializationOptions: { diagnosticDelay: 30 },
    });
  });
  after(() => client.stop());

  test('messages, titles and docs links are Japanese', async () => {
    const uri = 'file:///work/sample/ja.py';
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    const { diagnostics } = await opened;
    assert.equal(diagnostics[0].message, japaneseTranslation(NG101_MESSAGE));
    assert.match(
      diagnostics[0].codeDescription!.href,
      /\/docs\/rules\/ja\/NG101-naive-softmax\.md$/,
    );
    assert.equal(
      diagnostics[0].relatedInformation![0].message,
      japaneseTranslation('The exp is normalised here.'),
    );

    const actions = await codeActionsAt(client, uri, diagnostics);
    assert.deepEqual(
      actions.map((action) => action.title),
      [
        'scipy.special.softmax を使う (NG101)',
        'この行の NG101 を無視',
        'このファイルの NG101 を無視',
        'NaN Guard の問題をすべて修正',
      ],
    );
    const hover = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: diagnostics[0].range.start,
    });
    assert.match((hover.contents as MarkupContent).value, /オーバーフロー/);
    assert.match((hover.contents as MarkupContent).value, /ルールの説明を読む/);
  });
});
