// Publishing diagnostics. A change schedules the analysis of that document alone after a quiet
// period; opening a document analyses it at once. Settings or configuration changes re-publish
// every open document and notebook. Once a published document has stayed unchanged a while, the
// fixes of its findings are built, so that code actions find them ready.

import { initParsers, isParserLoaded } from '../rules/engine/parser';
import type { LanguageId } from '../rules/engine/types';
import { Debouncer, toDiagnostic } from './diagnostics';
import type { LintTarget } from './linter';
import type { Session } from './session';

/**
 * How long a published document must stay unchanged before the fixes of its findings are built
 * (see `LintTarget.settle`): typing goes on without that work, a pause pays for it once.
 */
const SETTLE_DELAY_MS = 400;

export class Publisher {
  private readonly debouncer: Debouncer;
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private readonly loggedGrammars = new Set<LanguageId>();

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
        await this.loadGrammar('python');
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
      await this.loadGrammar(language);
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

  /** Waits only the first time: an edit's analysis should not yield to other work for nothing. */
  private async loadGrammar(language: LanguageId): Promise<void> {
    if (isParserLoaded(language)) return;
    const started = performance.now();
    await initParsers([language]);
    // Two documents may have waited for the same load: it is logged once.
    if (this.loggedGrammars.has(language)) return;
    this.loggedGrammars.add(language);
    const ms = Math.round(performance.now() - started);
    this.session.log.info(`Loaded the ${language} grammar in ${ms} ms.`);
  }

  private settleWhenIdle(target: LintTarget): void {
    this.stopSettling(target.uri);
    const timer = setTimeout(() => {
      this.settling.delete(target.uri);
      try {
        target.settle();
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
