// Open text documents and their syntax trees. Every change edits the current tree in place
// (`Tree.edit`), and the next analysis re-parses with the edited tree so tree-sitter reuses what
// did not change. One tree is kept per document: the one of the latest parsed version.

import type { Tree } from 'web-tree-sitter';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { IncrementalAnalyzer } from '../rules/engine/incremental';
import { languageForEditorId, languageForPath, parse } from '../rules/engine/parser';
import type { LanguageId } from '../rules/engine/types';
import { filePathOf } from './uris';

export class OpenDocument {
  private tree: Tree | null = null;
  private treeVersion = -1;
  /** Re-analyses only the definitions an edit touched; it keeps what it needs between versions. */
  readonly analyzer: IncrementalAnalyzer;

  constructor(
    public document: TextDocument,
    readonly language: LanguageId,
  ) {
    this.analyzer = new IncrementalAnalyzer(language);
  }

  get uri(): string {
    return this.document.uri;
  }

  get version(): number {
    return this.document.version;
  }

  get text(): string {
    return this.document.getText();
  }

  /**
   * Counts the changes applied: a tree is edited in place by each, whatever version number the
   * client sends with it, so this (not the version) tells whether a tree is still as analysed.
   */
  changeCount = 0;

  /** Applies the changes of one didChange in order, keeping the tree in step with each. */
  applyChanges(changes: TextDocumentContentChangeEvent[], version: number): void {
    this.changeCount++;
    for (const change of changes) {
      if ('range' in change) this.editTree(change.range, change.text);
      else this.dropTree();
      this.document = TextDocument.update(this.document, [change], version);
    }
    // An empty change list still moves the version forward.
    if (changes.length === 0) this.document = TextDocument.update(this.document, [], version);
  }

  /** The tree of the current version, re-parsed incrementally when the text has changed. */
  currentTree(): Tree {
    if (this.tree && this.treeVersion === this.version) return this.tree;
    const next = parse(this.text, this.language, this.tree);
    this.tree?.delete();
    this.tree = next;
    this.treeVersion = this.version;
    return next;
  }

  dispose(): void {
    this.changeCount++;
    this.dropTree();
    this.analyzer.dispose();
  }

  private dropTree(): void {
    this.tree?.delete();
    this.tree = null;
    this.treeVersion = -1;
  }

  /**
   * Tells the tree which span changed. Positions are taken from the offsets so that a range
   * past the end of a line is clamped the same way the text document clamps it.
   */
  private editTree(range: { start: Position; end: Position }, newText: string): void {
    if (!this.tree) return;
    const startIndex = this.document.offsetAt(range.start);
    const oldEndIndex = this.document.offsetAt(range.end);
    const start = this.document.positionAt(startIndex);
    const oldEnd = this.document.positionAt(oldEndIndex);
    this.tree.edit({
      startIndex,
      oldEndIndex,
      newEndIndex: startIndex + newText.length,
      startPosition: { row: start.line, column: start.character },
      oldEndPosition: { row: oldEnd.line, column: oldEnd.character },
      newEndPosition: endOfInsertion(start, newText),
    });
  }
}

interface Position {
  line: number;
  character: number;
}

function endOfInsertion(start: Position, text: string): { row: number; column: number } {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length === 1) return { row: start.line, column: start.character + text.length };
  return { row: start.line + lines.length - 1, column: lines[lines.length - 1].length };
}

/** The open documents NaN Guard can analyse, by URI. */
export class DocumentStore {
  private readonly documents = new Map<string, OpenDocument>();

  /** Starts following a document; null (and nothing kept) for a language NaN Guard cannot read. */
  open(uri: string, languageId: string, version: number, text: string): OpenDocument | null {
    this.close(uri);
    const path = filePathOf(uri);
    const language = languageForEditorId(languageId) ?? (path ? languageForPath(path) : null);
    if (!language) return null;
    const opened = new OpenDocument(TextDocument.create(uri, languageId, version, text), language);
    this.documents.set(uri, opened);
    return opened;
  }

  get(uri: string): OpenDocument | undefined {
    return this.documents.get(uri);
  }

  close(uri: string): void {
    this.documents.get(uri)?.dispose();
    this.documents.delete(uri);
  }

  all(): OpenDocument[] {
    return [...this.documents.values()];
  }

  has(uri: string): boolean {
    return this.documents.has(uri);
  }
}
