// Settings pulled with workspace/configuration, the project's configuration file, and the
// workspace scan with its progress, exclusions, skipped files and cancellation.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  PublishDiagnosticsParams,
  TextEdit,
} from 'vscode-languageserver-protocol';
import { ScanWorkspaceRequest, type ScanWorkspaceResult } from '../../server/protocol';
import { applyEdits, SOFTMAX } from './support/documents';
import { LspTestClient } from './support/lspClient';

const fileUri = (filePath: string) => pathToFileURL(filePath).href;
const hasFindings = (params: PublishDiagnosticsParams) => params.diagnostics.length > 0;
const isEmpty = (params: PublishDiagnosticsParams) => params.diagnostics.length === 0;

function write(root: string, relative: string, content: string | Buffer): string {
  const full = path.join(root, relative);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  return full;
}

describe('settings', () => {
  let client: LspTestClient;
  const uri = 'file:///work/settings/model.py';
  before(async () => {
    client = await LspTestClient.start({ initializationOptions: { diagnosticDelay: 30 } });
    const opened = client.nextDiagnostics(uri, hasFindings);
    await client.open(uri, SOFTMAX);
    await opened;
  });
  after(() => client.stop());

  test('the server pulls the nanguard and files sections', () => {
    assert.deepEqual(client.configurationRequests[0], {
      items: [{ section: 'nanguard' }, { section: 'files' }],
    });
  });

  test('lint.ignore silences a code after didChangeConfiguration, and lifting it restores it', async () => {
    const silenced = client.nextDiagnostics(uri, isEmpty);
    await client.changeSettings({ lint: { ignore: ['NG101'] } });
    await silenced;
    const restored = client.nextDiagnostics(uri, hasFindings);
    await client.changeSettings({});
    await restored;
  });

  test('lint.select keeps only the selected codes', async () => {
    const silenced = client.nextDiagnostics(uri, isEmpty);
    await client.changeSettings({ lint: { select: ['NG2'] } });
    await silenced;
    const restored = client.nextDiagnostics(uri, hasFindings);
    await client.changeSettings({ lint: { select: ['NG1'] } });
    await restored;
  });

  test('severity overrides by prefix', async () => {
    const raised = client.nextDiagnostics(uri, (params) => params.diagnostics[0]?.severity === 1);
    await client.changeSettings({ severity: { NG1: 'error' } });
    await raised;
    const hinted = client.nextDiagnostics(uri, (params) => params.diagnostics[0]?.severity === 4);
    await client.changeSettings({ severity: { 'exp-overflow': 'hint' } });
    await hinted;
  });

  test('enable=false clears the diagnostics and answers no code action', async () => {
    const cleared = client.nextDiagnostics(uri, isEmpty);
    await client.changeSettings({ enable: false });
    await cleared;
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 4, character: 11 }, end: { line: 4, character: 25 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(actions, []);
    const restored = client.nextDiagnostics(uri, hasFindings);
    await client.changeSettings({});
    await restored;
  });

  test('codeAction.ignoreLine.enable=false drops the ignore-line action', async () => {
    const republished = client.nextDiagnostics(uri, hasFindings);
    await client.changeSettings({ codeAction: { ignoreLine: { enable: false } } });
    const { diagnostics } = await republished;
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics, only: ['quickfix'] },
    });
    assert.deepEqual(
      actions.map((action) => action.title),
      ['Use scipy.special.softmax (NG101)', 'Ignore NG101 in this file'],
    );
    await client.changeSettings({});
  });
});

describe('project configuration file', () => {
  let client: LspTestClient;
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-config-'));
    client = await LspTestClient.start({
      workspaceFolders: [root],
      initializationOptions: { diagnosticDelay: 30 },
    });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('pyproject.toml ignore applies, and a change to it is picked up without restart', async () => {
    const pyproject = write(root, 'pyproject.toml', '[tool.nanguard]\nignore = ["NG101"]\n');
    const file = write(root, 'src/model.py', SOFTMAX);
    const uri = fileUri(file);
    const opened = client.nextDiagnostics(uri);
    await client.open(uri, SOFTMAX);
    assert.deepEqual((await opened).diagnostics, []);

    fs.writeFileSync(pyproject, '[tool.nanguard]\nignore = []\n');
    const flagged = client.nextDiagnostics(uri, hasFindings);
    await client.notify('workspace/didChangeWatchedFiles', {
      changes: [{ uri: fileUri(pyproject), type: 2 }],
    });
    assert.equal((await flagged).diagnostics[0].code, 'NG101');
  });

  test("a finding offers to add its code to the project's ignore list", async () => {
    const pyproject = write(root, 'pyproject.toml', '[project]\nname = "demo"\n');
    const file = write(root, 'lib/attention.py', SOFTMAX);
    const uri = fileUri(file);
    const flagged = client.nextDiagnostics(uri, hasFindings);
    await client.open(uri, SOFTMAX);
    const { diagnostics } = await flagged;

    const actions: CodeAction[] = await client.request('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    const add = actions.find((action) => action.title.startsWith('Add NG101 to the project'));
    const change = add?.edit?.documentChanges?.[0];
    assert.ok(change && 'edits' in change, 'the action edits a document');
    assert.equal(change.textDocument.uri, fileUri(pyproject));
    const before = fs.readFileSync(pyproject, 'utf8');
    assert.equal(
      applyEdits(before, change.edits as TextEdit[]),
      '[project]\nname = "demo"\n\n[tool.nanguard]\nignore = ["NG101"]\n',
    );
  });

  test('a broken pyproject.toml is logged, and the defaults apply', async () => {
    const pyproject = write(root, 'pyproject.toml', '[tool.nanguard\nignore = [\n');
    const uri = fileUri(path.join(root, 'src', 'model.py'));
    const republished = client.nextDiagnostics(uri);
    await client.notify('workspace/didChangeWatchedFiles', {
      changes: [{ uri: fileUri(pyproject), type: 2 }],
    });
    assert.equal((await republished).diagnostics.length, 1);
    assert.ok(
      client.logs.some((log) => log.type === 2 && log.message.includes('pyproject.toml')),
      'the configuration problem is logged as a warning',
    );
  });
});

describe('workspace scan', () => {
  let client: LspTestClient;
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-scan-'));
    write(root, 'train/softmax.py', SOFTMAX);
    write(root, 'train/clean.py', 'import numpy as np\n\nprint(np.ones(3))\n');
    write(root, 'train/open.py', SOFTMAX);
    write(root, 'node_modules/lib/softmax.py', SOFTMAX);
    write(root, 'generated/softmax.py', SOFTMAX);
    write(root, 'build/softmax.py', SOFTMAX);
    write(root, 'data/binary.py', Buffer.from([0x69, 0x6d, 0x70, 0x00, 0x01, 0x02]));
    write(root, 'data/latin1.py', Buffer.from('# caf\xe9\nx = 1\n', 'latin1'));
    write(root, 'data/huge.py', `x = 1\n${'#'.repeat(2.2 * 1024 * 1024)}\n`);
    client = await LspTestClient.start({
      workspaceFolders: [root],
      settings: { exclude: ['generated'] },
      filesSettings: { exclude: { '**/build': true, '**/data/never': false } },
      initializationOptions: { diagnosticDelay: 30 },
    });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('reports progress and publishes findings of files that are not open', async () => {
    const openUri = fileUri(path.join(root, 'train', 'open.py'));
    const opened = client.nextDiagnostics(openUri);
    // The editor's text differs from the disk: the scan must not replace its diagnostics.
    await client.open(openUri, 'x = 1\n');
    assert.deepEqual((await opened).diagnostics, []);

    const published: string[] = [];
    const stop = client.onDiagnostics((params) => {
      if (params.diagnostics.length > 0) published.push(params.uri);
    });
    const result = await client.request<ScanWorkspaceResult>(ScanWorkspaceRequest.method, {
      workDoneToken: 'scan-1',
    });
    stop();

    assert.deepEqual(result, { files: 3, findings: 2, skipped: 3, cancelled: false });
    assert.deepEqual(published, [fileUri(path.join(root, 'train', 'softmax.py'))]);
    const diagnostic = client.latestDiagnostics.get(published[0])!.diagnostics[0];
    assert.equal(diagnostic.code, 'NG101');
    assert.equal((diagnostic.data as { version: number }).version, -1);

    const progress = client.progress.filter((entry) => entry.token === 'scan-1');
    assert.equal(progress[0].value.kind, 'begin');
    assert.equal(progress[0].value.cancellable, true);
    const reports = progress.filter((entry) => entry.value.kind === 'report');
    assert.deepEqual(
      reports.map((entry) => entry.value.message),
      ['1/6 files', '2/6 files', '3/6 files', '4/6 files', '5/6 files', '6/6 files'],
    );
    assert.equal(reports[reports.length - 1].value.percentage, 100);
    assert.equal(progress[progress.length - 1].value.kind, 'end');
    for (const reason of ['binary file', 'not valid UTF-8', 'larger than 2 MB']) {
      assert.ok(
        client.logs.some((log) => log.message.includes(reason)),
        `logs "${reason}"`,
      );
    }
  });

  test('cancellation stops the scan between files', async () => {
    const many = fs.mkdtempSync(path.join(root, 'many-'));
    for (let index = 0; index < 150; index++) write(many, `m${index}.py`, SOFTMAX);
    const source = new CancellationTokenSource();
    let reports = 0;
    const cancelAfterFirstReport = setInterval(() => {
      reports = client.progress.filter((entry) => entry.token === 'scan-2').length;
      if (reports > 2) source.cancel();
    }, 1);
    const result = (await client.connection.sendRequest(
      ScanWorkspaceRequest,
      { workDoneToken: 'scan-2' },
      source.token,
    )) as ScanWorkspaceResult;
    clearInterval(cancelAfterFirstReport);

    assert.equal(result.cancelled, true);
    assert.ok(result.files < 150, `stopped early (${result.files} files)`);
    const progress = client.progress.filter((entry) => entry.token === 'scan-2');
    assert.equal(progress[progress.length - 1].value.kind, 'end');
  });
});
