// Running the engine for the server: one document's text and tree, with the policy of its file
// (project configuration merged with the editor settings). Rule failures are logged once per
// rule and file; a syntax error never stops the analysis of the parts that parse.

import type { Tree } from 'web-tree-sitter';
import { allRules } from '../rules';
import {
  analyzeText,
  analyzeTree,
  type Analysis,
  type AnalyzeOptions,
  type LazyFixes,
  type RuleFailure,
} from '../rules/engine/engine';
import type { EditorAnalysis, IncrementalAnalyzer } from '../rules/engine/incremental';
import type { LanguageId } from '../rules/engine/types';
import type { Logger } from './logger';
import type { NanguardSettings } from './protocol';
import { policyFor } from './settings';

export interface AnalysisRequest {
  /** The file path that decides the project configuration, or null for untitled documents. */
  filePath: string | null;
  /** What the log calls the file. */
  label: string;
  text: string;
  language: LanguageId;
  /** A tree of exactly `text`; without one the text is parsed afresh. */
  tree?: Tree | null;
  /**
   * Build fixes now (default), never, or when first read while `readable()` holds: only with
   * `tree`, which the caller keeps alive and unedited meanwhile.
   */
  withFixes?: boolean | { readable: () => boolean };
}

const reportedConfigProblems = new Set<string>();

export function analyse(
  request: AnalysisRequest,
  settings: NanguardSettings,
  log: Logger,
): Analysis {
  const options = optionsFor(request, settings, log);
  const analysis = request.tree
    ? analyzeTree(request.tree, request.text, request.language, options)
    : analyzeText(request.text, request.language, options);
  logFailures(analysis.failures, request.label, log);
  return analysis;
}

/**
 * The analysis of an open document's new version by `analyzer`, which re-reads only the
 * definitions that changed since its last analysis; while one being edited does not parse, the
 * document is not read (`tree` is called only when needed). Fixes are built when first read.
 */
export function analyseEdited(
  request: Omit<AnalysisRequest, 'tree'> & {
    tree: () => Tree;
    withFixes: { readable: () => boolean };
  },
  analyzer: IncrementalAnalyzer,
  settings: NanguardSettings,
  log: Logger,
): EditorAnalysis {
  const base = optionsFor(request, settings, log);
  const options = { ...base, withFixes: base.withFixes as LazyFixes };
  let analysis: EditorAnalysis;
  try {
    analysis =
      analyzer.analyseEditing(request.text, request.tree, options) ??
      analyzer.analyse(request.tree(), request.text, options);
  } catch (error) {
    // A fault in the bookkeeping of the re-reading must not leave the document stuck with the
    // findings of an older version: start afresh from the whole file.
    log.error(`Re-reading the changed parts of ${request.label} failed; reading it whole.`, error);
    analyzer.dispose();
    analysis = analyzer.analyse(request.tree(), request.text, options);
  }
  logFailures(analysis.failures, request.label, log);
  return analysis;
}

function optionsFor(
  request: Pick<AnalysisRequest, 'filePath' | 'label' | 'withFixes'>,
  settings: NanguardSettings,
  log: Logger,
): AnalyzeOptions {
  const policy = policyFor(request.filePath, settings);
  reportConfigProblems(policy.project.problems, log);
  const withFixes = request.withFixes ?? true;
  return {
    rules: allRules,
    isEnabled: policy.isEnabled,
    severityOf: policy.severityOf,
    withFixes:
      typeof withFixes === 'object'
        ? {
            readable: withFixes.readable,
            failed: (failure) => log.ruleFailure(failure.code, request.label, failure.error),
          }
        : withFixes,
  };
}

function logFailures(failures: readonly RuleFailure[], label: string, log: Logger): void {
  for (const failure of failures) log.ruleFailure(failure.code, label, failure.error);
}

function reportConfigProblems(
  problems: { file: string; line: number | null; message: string }[],
  log: Logger,
): void {
  for (const problem of problems) {
    const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
    const key = `${where}\u0000${problem.message}`;
    if (reportedConfigProblems.has(key)) continue;
    reportedConfigProblems.add(key);
    log.warn(`${where}: ${problem.message}`);
  }
}

/** Forgets which configuration problems were logged, so that a changed file is re-checked. */
export function resetConfigProblemLog(): void {
  reportedConfigProblems.clear();
}
