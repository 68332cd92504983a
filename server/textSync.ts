// Text and notebook document synchronisation: keep the documents (and their trees) in step with
// the editor, and schedule the analysis of the document that changed.

import type {
  DidChangeTextDocumentParams,
  DidCloseTextDocumentParams,
  DidOpenTextDocumentParams,
  NotebookDocument,
  NotebookDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Publisher } from './publisher';
import type { Session } from './session';

/** The change event NotebookDocuments fires (its type is not exported by name). */
type NotebookChange = Parameters<Parameters<NotebookDocuments<TextDocument>['onDidChange']>[0]>[0];

/** Cells arrive through notebook sync; a client that also opens them as text is not followed. */
function isNotebookCell(uri: string): boolean {
  return uri.startsWith('vscode-notebook-cell:');
}

export function didOpen(
  session: Session,
  publisher: Publisher,
  params: DidOpenTextDocumentParams,
): void {
  const { uri, languageId, version, text } = params.textDocument;
  if (isNotebookCell(uri)) return;
  if (!session.documents.open(uri, languageId, version, text)) return;
  publisher.schedule(uri, 'document', 0);
}

export function didChange(
  session: Session,
  publisher: Publisher,
  params: DidChangeTextDocumentParams,
): void {
  const document = session.documents.get(params.textDocument.uri);
  if (!document) return;
  document.applyChanges(params.contentChanges, params.textDocument.version);
  publisher.schedule(document.uri, 'document');
}

export function didClose(
  session: Session,
  publisher: Publisher,
  params: DidCloseTextDocumentParams,
): void {
  const { uri } = params.textDocument;
  if (!session.documents.has(uri)) return;
  publisher.cancel(uri);
  session.documents.close(uri);
  session.linter.forget(uri);
  publisher.clear(uri);
}

export function notebookOpened(
  session: Session,
  publisher: Publisher,
  notebook: NotebookDocument,
): void {
  session.openNotebooks.add(notebook.uri);
  publisher.schedule(notebook.uri, 'notebook', 0);
}

export function notebookChanged(
  session: Session,
  publisher: Publisher,
  event: NotebookChange,
): void {
  for (const cell of event.cells?.removed ?? []) {
    session.linter.forget(cell.document);
    publisher.clear(cell.document);
  }
  publisher.schedule(event.notebookDocument.uri, 'notebook');
}

export function notebookClosed(
  session: Session,
  publisher: Publisher,
  notebook: NotebookDocument,
): void {
  session.openNotebooks.delete(notebook.uri);
  publisher.cancel(notebook.uri);
  for (const cell of notebook.cells) {
    session.linter.forget(cell.document);
    publisher.clear(cell.document);
  }
}
