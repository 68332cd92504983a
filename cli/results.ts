// What the analysis of one file hands back to the CLI's main thread: plain data (it crosses from
// a worker thread), positions already 1-based as every output format shows them.

import type { Family, Severity } from '../rules/engine/types';

/** A 1-based range; `cell` (1-based, counting every cell) is set for notebooks. */
export interface Place {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** In a notebook: the cell (from 1, counting every cell), which `line` and `column` are in. */
  cell?: number;
  /** In a notebook: the lines of the .ipynb file that hold the place's first and last lines. */
  fileLine?: number;
  fileEndLine?: number;
}

export interface ReportedEdit extends Place {
  newText: string;
}

export interface ReportedFix {
  title: string;
  safe: boolean;
  edits: ReportedEdit[];
}

export interface ReportedFinding {
  code: string;
  name: string;
  family: Family;
  severity: Severity;
  message: string;
  place: Place;
  related: { place: Place; message: string }[];
  /** The preferred fix, or null when the rule offers none. */
  fix: ReportedFix | null;
  /** Whether `--fix` would repair it (a safe fix exists) or only `--unsafe-fixes` would. */
  fixability: 'safe' | 'unsafe' | 'none';
}

/**
 * Something to tell the user about a file besides its findings. `skipped` and `error` lines name
 * the file only; a `note` may carry a place (the first syntax error).
 */
export interface FileNote {
  kind: 'skipped' | 'error' | 'note';
  message: string;
  place?: Place;
}

export interface RuleFailureReport {
  code: string;
  message: string;
}

export interface FileResult {
  /** Absolute path. */
  path: string;
  isNotebook: boolean;
  /** Lines of source read (the joined code cells for a notebook); 0 when skipped. */
  lines: number;
  /** Whether the file was parsed; false when skipped or when no rule finds its trigger words. */
  parsed: boolean;
  findings: ReportedFinding[];
  notes: FileNote[];
  failures: RuleFailureReport[];
  /** Fixes applied (with `--fix`) or that would be applied (with `--diff`). */
  fixed: number;
  /** The unified diff of the fixes, with `--diff`; null when nothing would change. */
  diff: string | null;
}

/** How a scan treats every file: the project configuration plus the command line's additions. */
export interface ScanSettings {
  explicitConfig?: string;
  select: string[];
  ignore: string[];
  fixMode: 'none' | 'safe' | 'unsafe';
  /** With `--diff`: compute the fixes and report them as a diff, write nothing. */
  diffOnly: boolean;
  language: 'en' | 'ja';
  /** The folder paths are shown relative to (the diff headers use it). */
  cwd: string;
}

export function emptyResult(path: string, isNotebook: boolean): FileResult {
  return {
    path,
    isNotebook,
    lines: 0,
    parsed: false,
    findings: [],
    notes: [],
    failures: [],
    fixed: 0,
    diff: null,
  };
}
