// The findings of every open document and notebook cell, per version. Diagnostics, code actions
// and hovers all read from here, so that a code action is computed from exactly the version its
// diagnostic came from; a stale entry is recomputed on demand.

import type { NotebookDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isParserLoaded } from '../rules/engine/parser';
import type { Finding, LanguageId } from '../rules/engine/types';
import { analyse, analyseEdited } from './analysis';
import type { DocumentStore, OpenDocument } from './documents';
import type { Logger } from './logger';
import { codeCellsOf, findingsOfCell, joinNotebook, type NotebookCellText } from './notebooks';
import type { NanguardSettings } from './protocol';
import { filePathOf } from './uris';

/** Open documents larger than this are not analysed (the scan skips such files too). */
export const MAX_TEXT_LENGTH = 2 * 1024 * 1024;

/** The analysis of one document or cell at one version, in that document's coordinates. */
export interface LintTarget {
  uri: string;
  version: number;
  text: string;
  language: LanguageId;
  /** The findings as published. Read their fixes through `withFixes`. */
  findings: Finding[];
  /**
   * The findings of these codes (default: every code), whose fixes can be read, for this
   * version; empty once the document has changed. A text document's fixes are built when first
   * read: most findings are never fixed.
   */
  withFixes(codes?: ReadonlySet<string>): Finding[];
  /**
   * For when the server has nothing else to do, while the version is current: checks the
   * findings against an analysis of the whole file (an edit re-reads only the definitions it
   * changed) and builds every fix, so that the findings stop holding on to the analysis they
   * came from. True when the findings changed and must be published again.
   */
  settle(): boolean;
  /** The findings this document would have with `text` instead (the rounds of fix-all). */
  reanalyse(text: string): Finding[];
}

export interface LinterState {
  documents: DocumentStore;
  notebooks: NotebookDocuments<TextDocument>;
  log: Logger;
  settings(): NanguardSettings;
}

export class Linter {
  private readonly results = new Map<string, LintTarget>();
  private readonly oversized = new Set<string>();

  constructor(private readonly state: LinterState) {}

  /** The last analysis of a document or cell, which may be of an older version. */
  cached(uri: string): LintTarget | null {
    return this.results.get(uri) ?? null;
  }

  /** The analysis of a document or notebook cell at its current version, or null. */
  current(uri: string): LintTarget | null {
    const version = this.versionOf(uri);
    if (version === null) return null;
    const cached = this.results.get(uri);
    if (cached && cached.version === version) return cached;
    const notebook = this.state.notebooks.findNotebookDocumentForCell(uri);
    const targets = notebook ? this.lintNotebook(notebook.uri) : this.lintDocument(uri);
    return targets.find((target) => target.uri === uri) ?? null;
  }

  /**
   * Analyses an open text document now. Empty when it cannot or must not be analysed, and while
   * its grammar is still loading (the publisher waits for it; a code action asked before then
   * finds nothing).
   */
  lintDocument(uri: string): LintTarget[] {
    const document = this.state.documents.get(uri);
    if (!document || !this.state.settings().enable) return this.forget(uri);
    if (!isParserLoaded(document.language)) return this.forget(uri);
    if (this.tooLarge(document.uri, document.text.length)) return this.forget(uri);
    const target = this.documentTarget(document, document.language);
    this.results.set(uri, target);
    return [target];
  }

  /** Analyses every code cell of an open notebook together; one target per cell. */
  lintNotebook(notebookUri: string): LintTarget[] {
    const notebook = this.state.notebooks.getNotebookDocument(notebookUri);
    if (!notebook || !this.state.settings().enable || !isParserLoaded('python')) return [];
    const cells = codeCellsOf(notebook, this.state.notebooks);
    const filePath = filePathOf(notebookUri);
    const analyseJoined = (replaced?: { index: number; text: string }) => {
      const joined = joinNotebook(cells, replaced);
      const analysis = analyse(
        { filePath, label: notebookUri, text: joined.text, language: 'python' },
        this.state.settings(),
        this.state.log,
      );
      return { joined, findings: analysis.findings };
    };
    if (
      this.tooLarge(
        notebookUri,
        cells.reduce((total, cell) => total + cell.text.length, 0),
      )
    ) {
      return [];
    }

    const { joined, findings } = analyseJoined();
    const targets = cells.map((cell) => {
      // A notebook's cells are analysed together, so each cell's fixes are built at once.
      const cellFindings = findingsOfCell(findings, joined, cell.index, cell.text);
      const target: LintTarget = {
        uri: cell.uri,
        version: cell.version,
        text: cell.text,
        language: 'python',
        findings: cellFindings,
        withFixes: (codes) =>
          codes ? cellFindings.filter((finding) => codes.has(finding.code)) : cellFindings,
        settle: () => false,
        reanalyse: (text) => reanalyseCell(cell, text, analyseJoined),
      };
      this.results.set(cell.uri, target);
      return target;
    });
    return targets;
  }

  forget(uri: string): LintTarget[] {
    this.results.delete(uri);
    return [];
  }

  private documentTarget(document: OpenDocument, language: LanguageId): LintTarget {
    const filePath = filePathOf(document.uri);
    const { uri, version, text, changeCount } = document;
    // The fixes of this version are built from the document's tree, which stays as it is until
    // the next change; fixes first asked for after that are empty, as a stale version gets none.
    const current = () =>
      this.state.documents.get(uri) === document &&
      document.version === version &&
      document.changeCount === changeCount;
    const analysis = analyseEdited(
      {
        filePath,
        label: uri,
        text,
        language,
        tree: () => document.currentTree(),
        withFixes: { readable: current },
      },
      document.analyzer,
      this.state.settings(),
      this.state.log,
    );
    const target: LintTarget = {
      uri,
      version,
      text,
      language,
      findings: analysis.findings,
      withFixes: (codes) => {
        if (!current()) return [];
        const { findings } = target;
        return codes ? findings.filter((finding) => codes.has(finding.code)) : findings;
      },
      settle: () => {
        const whole = current() ? analysis.verify() : null;
        if (!whole) return false;
        this.state.log.info(
          `${uri}: the whole file's findings differ from the edit's; republishing.`,
        );
        target.findings = whole;
        return true;
      },
      // Fix-all rounds parse their own text; the document's tree stays with its version.
      reanalyse: (source) =>
        analyse(
          { filePath, label: uri, text: source, language },
          this.state.settings(),
          this.state.log,
        ).findings,
    };
    return target;
  }

  /** The version of an open document or notebook cell; null when it is not open. */
  versionOf(uri: string): number | null {
    const document = this.state.documents.get(uri);
    if (document) return document.version;
    const cell = this.state.notebooks.getCellTextDocument(
      this.state.notebooks.getNotebookCell(uri) ?? { kind: 2, document: uri },
    );
    return cell ? cell.version : null;
  }

  private tooLarge(uri: string, length: number): boolean {
    if (length <= MAX_TEXT_LENGTH) {
      this.oversized.delete(uri);
      return false;
    }
    if (!this.oversized.has(uri)) {
      this.oversized.add(uri);
      this.state.log.warn(`${uri} is larger than 2 MB; NaN Guard does not analyse it.`);
    }
    return true;
  }
}

function reanalyseCell(
  cell: NotebookCellText,
  text: string,
  analyseJoined: (replaced: { index: number; text: string }) => {
    joined: ReturnType<typeof joinNotebook>;
    findings: Finding[];
  },
): Finding[] {
  const { joined, findings } = analyseJoined({ index: cell.index, text });
  return findingsOfCell(findings, joined, cell.index, text);
}
