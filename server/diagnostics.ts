// Findings as LSP diagnostics: code, a link to the rule's page among the docs shipped with the
// extension, the related location that makes the value dangerous, and the data a code action
// needs to find the finding again.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
} from 'vscode-languageserver';
import type { DisplayLanguage } from '../rules/engine/l10n';
import type { Finding, Severity } from '../rules/engine/types';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from './protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * The extension's root: the bundled server lives in `dist/`, and run from source it lives in
 * `server/`; either way the docs are one folder up.
 */
const EXTENSION_ROOT = path.resolve(__dirname, '..');

/** `docs/rules/NG101-naive-softmax.md`, or its Japanese twin under `docs/rules/ja/`. */
export function docsUri(code: string, name: string, language: DisplayLanguage): string {
  // Every diagnostic of every publish carries one: each is built once.
  const key = `${language}/${code}-${name}`;
  let uri = docsUris.get(key);
  if (uri === undefined) {
    const folder = language === 'ja' ? ['docs', 'rules', 'ja'] : ['docs', 'rules'];
    uri = pathToFileURL(path.join(EXTENSION_ROOT, ...folder, `${code}-${name}.md`)).href;
    docsUris.set(key, uri);
  }
  return uri;
}

const docsUris = new Map<string, string>();

export function toDiagnostic(
  finding: Finding,
  uri: string,
  version: number,
  language: DisplayLanguage,
): Diagnostic {
  // No word on fixes: they are built only when a code action asks for them.
  const data: DiagnosticData = { version, name: finding.name };
  const related: DiagnosticRelatedInformation[] = finding.related.map((location) => ({
    location: { uri, range: location.range },
    message: location.message,
  }));
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.code,
    codeDescription: { href: docsUri(finding.code, finding.name, language) },
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    relatedInformation: related,
    data,
  };
}

/** Whether a diagnostic came from NaN Guard and carries the data this server attached. */
export function isOwnDiagnostic(
  diagnostic: Diagnostic,
): diagnostic is Diagnostic & { code: string; data: DiagnosticData } {
  const data = diagnostic.data as Partial<DiagnosticData> | undefined;
  return (
    diagnostic.source === DIAGNOSTIC_SOURCE &&
    typeof diagnostic.code === 'string' &&
    typeof data?.version === 'number'
  );
}

/** Runs one task per key after a quiet period; a new request for a key restarts its wait. */
export class Debouncer {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly delay: number) {}

  schedule(key: string, task: () => void, delay = this.delay): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      task();
    }, delay);
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }
}
