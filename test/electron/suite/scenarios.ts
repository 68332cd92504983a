// The real-editor scenarios of test/e2e, through the VS Code API instead of the screen: the
// diagnostics collection stands for the Problems panel, the hover and code action providers for
// what the mouse and Ctrl+. show.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';

const EXTENSION_ID = 'nanguard.nanguard';
const WAIT_MS = 30_000;

function workspacePath(relativePath: string): string {
  const root = process.env.NANGUARD_TEST_WORKSPACE;
  if (!root) throw new Error('NANGUARD_TEST_WORKSPACE names the workspace the test opened.');
  return path.join(root, relativePath);
}

async function poll<T>(description: string, condition: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = condition();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${WAIT_MS} ms waiting for ${description}`);
}

function nanGuardDiagnostics(uri: vscode.Uri, code: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => {
    const value = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
    return diagnostic.source === 'nanguard' && value === code;
  });
}

async function waitForFinding(
  uri: vscode.Uri,
  line: number,
  column: number,
): Promise<vscode.Diagnostic> {
  return poll(`NG101 at ${path.basename(uri.fsPath)}:${line}:${column}`, () =>
    nanGuardDiagnostics(uri, 'NG101').find(
      (diagnostic) =>
        diagnostic.range.start.line === line - 1 && diagnostic.range.start.character === column - 1,
    ),
  );
}

async function open(relativePath: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspacePath(relativePath));
  return vscode.window.showTextDocument(document);
}

function scipySpecialImports(text: string): number {
  return (
    text.match(
      /^(import scipy\.special\b|from scipy\.special import\b|from scipy import special\b)/gm,
    )?.length ?? 0
  );
}

export function defineScenarios(): void {
  describe('NaN Guard in VS Code', () => {
    before(async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is loaded`);
      await open('softmax.py');
      await extension.activate();
    });

    it('1: opening a Python softmax by hand gives an NG101 diagnostic', async () => {
      const editor = await open('softmax.py');
      const diagnostic = await waitForFinding(editor.document.uri, 5, 12);
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(diagnostic.message, /softmax/);
    });

    it('2: the hover explains the overflow with its number', async () => {
      const editor = await open('softmax.py');
      const diagnostic = await waitForFinding(editor.document.uri, 5, 12);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        editor.document.uri,
        diagnostic.range.start.translate(0, 2),
      );
      const text = hovers
        .flatMap((hover) => hover.contents)
        .map((content) => (typeof content === 'string' ? content : content.value))
        .join('\n');
      assert.match(text, /NG101/);
      assert.match(text, /88\.7/);
    });

    it('3: the preferred quick fix rewrites the code; the saved file has one import', async () => {
      const editor = await open('softmax.py');
      const diagnostic = await waitForFinding(editor.document.uri, 5, 12);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        editor.document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const titles = actions.map((action) => action.title);
      assert.ok(titles.includes('Ignore NG101 on this line'), titles.join(' | '));
      const fix = actions.find((action) => action.isPreferred && /\(NG101\)$/.test(action.title));
      assert.ok(fix?.edit, `a preferred NG101 fix with an edit among ${titles.join(' | ')}`);

      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.ok(await editor.document.save());
      const onDisk = fs.readFileSync(workspacePath('softmax.py'), 'utf8');
      assert.match(onDisk, /softmax\(logits, axis=-1\)/);
      assert.doesNotMatch(onDisk, /np\.exp\(logits\) \//);
      assert.equal(scipySpecialImports(onDisk), 1, onDisk);
      await poll(
        'NG101 of softmax.py to go away',
        () => nanGuardDiagnostics(editor.document.uri, 'NG101').length === 0,
      );
    });

    it('6: a TensorFlow.js softmax by hand in TypeScript gets NG101', async () => {
      const editor = await open('tfjs.ts');
      await waitForFinding(editor.document.uri, 4, 13);
    });

    it('4: "NaN Guard: Scan Workspace" reports a file that is not open', async () => {
      const unopened = vscode.Uri.file(workspacePath('models/attention.py'));
      assert.deepEqual(nanGuardDiagnostics(unopened, 'NG101'), []);
      await vscode.commands.executeCommand('nanguard.scanWorkspace');
      await waitForFinding(unopened, 5, 15);
    });

    it('5: source.fixAll.nanguard on save applies the safe fixes only', async () => {
      const editor = await open('fix_on_save.py');
      await waitForFinding(editor.document.uri, 6, 12);
      const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
      await editor.edit((builder) => builder.insert(end, '\n# checked\n'));
      // The save command is an explicit save, which runs "explicit" code actions on save.
      await vscode.commands.executeCommand('workbench.action.files.save');
      const onDisk = await poll('the saved file with the safe fix', () => {
        const text = fs.readFileSync(workspacePath('fix_on_save.py'), 'utf8');
        return text.includes('# checked') && text.includes('softmax(logits, axis=1)') && text;
      });
      assert.equal(scipySpecialImports(onDisk), 1, onDisk);
      assert.doesNotMatch(onDisk, /clip_grad_norm_/);
      assert.doesNotMatch(onDisk, /nanguard: ignore|noqa/);
    });
  });
}
