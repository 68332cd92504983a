// Publishing diagnostics. A change schedules the analysis of that document alone after a quiet
// period; opening a document analyses it at once. Settings or configuration changes re-publish
// every open document and notebook. Once a published document has stayed unchanged a while, its
// findings are checked against the whole file (published again if they differ) and their fixes
// are built, so that code actions find them ready.

import { MessageType, ShowMessageNotification } from 'vscode-languageserver';
import { t } from '../rules/engine/l10n';
import { initParsers, isParserLoaded } from '../rules/engine/parser';
import type { LanguageId } from '../rules/engine/types';
import { Debouncer, toDiagnostic } from './diagnostics';
import type { LintTarget } from './linter';
import type { Session } from './session';

/**
 * How long a published document must stay unchanged before its findings are checked against
 * the whole file and their fixes built (see `LintTarget.settle`): typing goes on without that
 * work, a pause pays for it once.
 */
const SETTLE_DELAY_MS = 400;

export class Publisher {
  private readonly debouncer: Debouncer;
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private readonly reportedGrammars = new Set<LanguageId>();

  constructor(private readonly session: Session) {
    this.debouncer = new Debouncer(session.diagnosticDelay);
  }

  /** Analyses a text document (or a whole notebook) after the quiet period. */
  schedule(uri: string, kind: 'document' | 'notebook', delay?: number): void {
    this.stopSettling(uri);
    this.debouncer.schedule(uri, () => void this.publishNow(uri, kind), delay);
  }

  async publishNow(uri: string, kind: 'document' | 'notebook'): Promise<void> {
    try {
      await this.session.settingsReady;
      const { linter } = this.session;
      if (kind === 'notebook') {
        if (!(await this.loadGrammar('python'))) return;
        const notebook = this.session.notebooks.getNotebookDocument(uri);
        if (!notebook) return;
        const targets = linter.lintNotebook(uri);
        const published = new Set(targets.map((target) => target.uri));
        for (const target of targets) this.send(target);
        // Cells NaN Guard does not analyse (markdown, other languages) get an empty list.
        for (const cell of notebook.cells)
          if (!published.has(cell.document)) this.clear(cell.document);
        return;
      }
      const language = this.session.documents.get(uri)?.language;
      if (!language) return;
      // The grammar loads with the first document of its language (a few tens of ms, once).
      if (!(await this.loadGrammar(language))) return;
      if (!this.session.documents.has(uri)) return;
      const targets = linter.lintDocument(uri);
      if (targets.length === 0) {
        this.clear(uri);
        this.stopSettling(uri);
      }
      for (const target of targets) {
        this.send(target);
        this.settleWhenIdle(target);
      }
    } catch (error) {
      this.session.log.error(`Analysing ${uri} failed.`, error);
    }
  }

  /** Re-analyses everything open, as after a settings change. */
  async republishAll(): Promise<void> {
    for (const document of this.session.documents.all()) {
      await this.publishNow(document.uri, 'document');
    }
    for (const notebook of this.session.openNotebooks) {
      await this.publishNow(notebook, 'notebook');
    }
  }

  cancel(uri: string): void {
    this.debouncer.cancel(uri);
    this.stopSettling(uri);
  }

  /**
   * Loads a grammar before the first analysis in its language; waits only that time, since an
   * edit's analysis should not yield to other work for nothing. False when it cannot load: the
   * user is told once, and documents of that language go unanalysed until the server restarts.
   */
  private async loadGrammar(language: LanguageId): Promise<boolean> {
    if (isParserLoaded(language)) return true;
    const started = performance.now();
    try {
      await initParsers([language]);
    } catch (error) {
      if (!this.reportedGrammars.has(language)) {
        this.reportedGrammars.add(language);
        const reason = error instanceof Error ? error.message : String(error);
        this.session.log.error(reason);
        // A notification: showErrorMessage is a request, and a client may not answer it.
        void this.session.connection.sendNotification(ShowMessageNotification.type, {
          type: MessageType.Error,
          message: t('NaN Guard cannot analyse {0} files: {1}', language, reason),
        });
      }
      return false;
    }
    // Two documents may have waited for the same load: it is logged once.
    if (!this.reportedGrammars.has(language)) {
      this.reportedGrammars.add(language);
      const ms = Math.round(performance.now() - started);
      this.session.log.info(`Loaded the ${language} grammar in ${ms} ms.`);
    }
    return true;
  }

  private settleWhenIdle(target: LintTarget): void {
    this.stopSettling(target.uri);
    const timer = setTimeout(() => {
      this.settling.delete(target.uri);
      try {
        if (target.settle()) this.send(target);
      } catch (error) {
        this.session.log.error(`Building the fixes of ${target.uri} failed.`, error);
      }
    }, SETTLE_DELAY_MS);
    timer.unref();
    this.settling.set(target.uri, timer);
  }

  private stopSettling(uri: string): void {
    clearTimeout(this.settling.get(uri));
    this.settling.delete(uri);
  }

  clear(uri: string): void {
    void this.session.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private send(target: LintTarget): void {
    const language = this.session.displayLanguage;
    void this.session.connection.sendDiagnostics({
      uri: target.uri,
      version: target.version,
      diagnostics: target.findings.map((finding) =>
        toDiagnostic(finding, target.uri, target.version, language),
      ),
    });
  }
}
