// Code actions for NaN Guard diagnostics: each finding's fixes (the first one preferred), ignoring
// the code on the line or in the file, and fix-all. Every edit is computed on the document version
// the diagnostic came from and sent as a versioned edit, so the editor refuses it if the text has
// moved on in the meantime.

import * as path from 'node:path';
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { t } from '../rules/engine/l10n';
import { dialectOf } from '../rules/engine/syntax';
import { ruleByCode } from '../rules';
import type { Finding } from '../rules/engine/types';
import { isOwnDiagnostic } from './diagnostics';
import { fixAll, minimalEdit } from './fixAll';
import type { LintTarget } from './linter';
import { FIX_ALL_KIND } from './protocol';
import { sameRange } from './ranges';
import type { Session } from './session';
import { ignoreFileEdit, ignoreLineEdit } from './suppressionEdits';
import { projectIgnoreEdit } from '../rules/project/ignore-edit';
import { filePathOf, uriOf } from './uris';

export function codeActions(session: Session, params: CodeActionParams): CodeAction[] {
  if (!session.settings.nanguard.enable) return [];
  const { uri } = params.textDocument;
  const version = session.linter.versionOf(uri);
  if (version === null) return [];
  const wanted = (kind: string) => kindWanted(kind, params.context.only);

  // The editor asks on every cursor move; the analysis of the current version is computed here
  // only when a diagnostic of that version needs it, otherwise the debounced one will do.
  const current = params.context.diagnostics.filter(
    (diagnostic) => isOwnDiagnostic(diagnostic) && diagnostic.data.version === version,
  );
  const actions: CodeAction[] = [];
  if (wanted(CodeActionKind.QuickFix) && current.length > 0) {
    const target = session.linter.current(uri);
    if (target) actions.push(...quickFixes(session, target, current));
  }
  if (wanted(FIX_ALL_KIND)) {
    const action = fixAllAction(session, uri, version);
    if (action) actions.push(action);
  }
  return actions;
}

/** Whether the client asked for this kind: `only` lists kinds or their parents (`source`). */
function kindWanted(kind: string, only: string[] | undefined): boolean {
  if (!only || only.length === 0) return kind === CodeActionKind.QuickFix || kind === FIX_ALL_KIND;
  return only.some((asked) => kind === asked || kind.startsWith(`${asked}.`));
}

function quickFixes(session: Session, target: LintTarget, diagnostics: Diagnostic[]): CodeAction[] {
  const fixes: CodeAction[] = [];
  const ignores: CodeAction[] = [];
  const offeredIgnores = new Set<string>();
  const dialect = dialectOf(target.language);
  const asked = new Set(diagnostics.map((diagnostic) => String(diagnostic.code)));
  const withFixes = target.withFixes(asked);

  for (const diagnostic of diagnostics) {
    const finding = findingOf(target, withFixes, diagnostic);
    if (!finding) continue;
    const { code } = finding;

    finding.fixes.forEach((fix, index) => {
      fixes.push({
        title: `${fix.title} (${code})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: index === 0,
        edit: versionedEdit(target, fix.edits),
      });
    });

    const line = finding.range.start.line;
    const lineKey = `line:${code}:${line}`;
    if (session.settings.nanguard.codeAction.ignoreLine.enable && !offeredIgnores.has(lineKey)) {
      offeredIgnores.add(lineKey);
      const edit = ignoreLineEdit(target.text, line, code, dialect);
      if (edit) {
        ignores.push({
          title: t('Ignore {0} on this line', code),
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: versionedEdit(target, [edit]),
        });
      }
    }
    const fileKey = `file:${code}`;
    if (!offeredIgnores.has(fileKey)) {
      offeredIgnores.add(fileKey);
      ignores.push({
        title: t('Ignore {0} in this file', code),
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: versionedEdit(target, [ignoreFileEdit(target.text, code, dialect)]),
      });
    }
  }
  ignores.push(...projectIgnores(target, diagnostics));
  // Fixes first, so that the preferred fix leads the menu; the ignores follow.
  return [...fixes, ...ignores];
}

/** "Add NG101 to the project's ignore list", once per code, for files on disk with a project. */
function projectIgnores(target: LintTarget, diagnostics: Diagnostic[]): CodeAction[] {
  const filePath = filePathOf(target.uri);
  if (!filePath) return [];
  const actions: CodeAction[] = [];
  const codes = new Set<string>();
  for (const diagnostic of diagnostics) {
    const code = findingOf(target, target.findings, diagnostic)?.code;
    if (!code || codes.has(code)) continue;
    codes.add(code);
    const edit = projectIgnoreEdit(filePath, code);
    const change = edit ? minimalEdit(edit.text, edit.newText) : null;
    if (!edit || !change) continue;
    actions.push({
      title: t("Add {0} to the project's ignore list ({1})", code, path.basename(edit.file)),
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: {
        documentChanges: [
          {
            textDocument: { uri: uriOf(edit.file), version: null },
            edits: [change],
          },
        ],
      },
    });
  }
  return actions;
}

/**
 * The finding behind a diagnostic, if the diagnostic was computed for the version the target
 * holds; a diagnostic of an older version gets no action (a newer one is on its way).
 */
function findingOf(
  target: LintTarget,
  findings: Finding[],
  diagnostic: Diagnostic,
): Finding | undefined {
  if (!isOwnDiagnostic(diagnostic) || diagnostic.data.version !== target.version) return undefined;
  return findings.find(
    (finding) => finding.code === diagnostic.code && sameRange(finding.range, diagnostic.range),
  );
}

/** What a lazily resolved fix-all action carries until the client resolves it. */
interface FixAllData {
  fixAll: { uri: string; version: number };
}

function fixAllAction(session: Session, uri: string, version: number): CodeAction | null {
  const action: CodeAction = { title: t('Fix all NaN Guard problems'), kind: FIX_ALL_KIND };
  // The rounds of re-analysis cost more than a code action may take, so a client that resolves
  // actions gets the edit only when it applies the action. Whether to offer it at all is judged
  // from the latest analysis, even of an older version, by whether a rule found offers fixes:
  // which of them apply is known only once they are built, and an action that resolves to no
  // edit does nothing.
  if (session.client.codeActionResolve) {
    const latest = session.linter.cached(uri) ?? session.linter.current(uri);
    if (!latest?.findings.some((finding) => offersFixes(finding.code))) return null;
    const data: FixAllData = { fixAll: { uri, version } };
    return { ...action, data };
  }
  const target = session.linter.current(uri);
  const edit = target ? fixAllEdit(session, target) : null;
  return edit ? { ...action, edit } : null;
}

function offersFixes(code: string): boolean {
  return (ruleByCode(code)?.meta.fixSafety ?? 'none') !== 'none';
}

/** Fills in the edit of a fix-all action, for the version the action was offered on. */
export function resolveCodeAction(session: Session, action: CodeAction): CodeAction {
  const data = action.data as Partial<FixAllData> | undefined;
  if (!data?.fixAll) return action;
  const target = session.linter.current(data.fixAll.uri);
  if (!target || target.version !== data.fixAll.version) return action;
  const edit = fixAllEdit(session, target);
  return edit ? { ...action, edit } : action;
}

function fixAllEdit(session: Session, target: LintTarget): WorkspaceEdit | null {
  const includeUnsafe = session.settings.nanguard.fixAll.unsafe;
  const result = fixAll(target.text, target.withFixes(), target.reanalyse, includeUnsafe);
  const edit = minimalEdit(target.text, result.text);
  return edit ? versionedEdit(target, [edit]) : null;
}

function versionedEdit(target: LintTarget, edits: TextEdit[]): WorkspaceEdit {
  return {
    documentChanges: [{ textDocument: { uri: target.uri, version: target.version }, edits }],
  };
}
