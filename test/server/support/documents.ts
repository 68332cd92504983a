// Sample documents and helpers shared by the protocol tests.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export const SOFTMAX = [
  'import numpy as np',
  '',
  '',
  'def softmax(logits):',
  '    return np.exp(logits) / np.sum(np.exp(logits), axis=-1, keepdims=True)',
  '',
].join('\n');

/** The text the preferred NG101 fix gives, as its rule fixture records it. */
export const SOFTMAX_FIXED = fs.readFileSync(
  path.join(ROOT, 'test', 'fixtures', 'rules', 'NG101', 'numpy-one-line.fixed.py'),
  'utf8',
);

/** The edits of a code action for one document, checking it is versioned. */
export function editsOf(action: CodeAction, uri: string, version: number): TextEdit[] {
  const changes = action.edit?.documentChanges as TextDocumentEdit[] | undefined;
  if (!changes || changes.length !== 1) throw new Error(`${action.title}: expected one edit`);
  const [change] = changes;
  if (change.textDocument.uri !== uri)
    throw new Error(`${action.title}: edits ${change.textDocument.uri}`);
  if (change.textDocument.version !== version) {
    throw new Error(`${action.title}: computed for version ${change.textDocument.version}`);
  }
  return change.edits.filter((edit): edit is TextEdit => 'range' in edit);
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'python', 0, text), edits);
}

export function japaneseTranslation(english: string): string {
  const file = path.join(ROOT, 'rules', 'exp-overflow', 'l10n.ja.json');
  const translations = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const japanese = translations[english];
  if (!japanese) throw new Error(`no Japanese translation of: ${english}`);
  return japanese;
}
