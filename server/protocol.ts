// Everything the client and the server agree on beyond the standard protocol: custom requests,
// the settings mirror, the code action kind of "fix all" and the data carried by diagnostics.
// The client imports this file; it imports nothing but the protocol's own types.

import { RequestType, type ProgressToken } from 'vscode-languageserver-protocol';

/** Scans every file of the workspace folders and publishes the findings of files not open. */
export interface ScanWorkspaceParams {
  /** The token the server reports `$/progress` on ("120/900 files"). */
  workDoneToken?: ProgressToken;
}

export interface ScanWorkspaceResult {
  /** Files analysed. */
  files: number;
  /** Findings in those files, after suppressions and configuration. */
  findings: number;
  /** Files left out: too large, binary, not UTF-8, unreadable or vanished. */
  skipped: number;
  /** True when the client cancelled the scan before it reached the last file. */
  cancelled: boolean;
}

export const ScanWorkspaceRequest = new RequestType<ScanWorkspaceParams, ScanWorkspaceResult, void>(
  'nanguard/scanWorkspace',
);

/** The code action kind of "fix all NaN Guard problems in this file", usable on save. */
export const FIX_ALL_KIND = 'source.fixAll.nanguard';

/** The `source` of every diagnostic. */
export const DIAGNOSTIC_SOURCE = 'nanguard';

/**
 * `Diagnostic.data` of every NaN Guard diagnostic. A code action or hover looks the finding up
 * again by code and range in the analysis of exactly this document version.
 */
export interface DiagnosticData {
  /** The version of the text document (or notebook cell) the finding was computed for. */
  version: number;
  /** The rule's kebab-case name, such as `naive-softmax`. */
  name: string;
}

export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint';

/** The typed mirror of the `nanguard.*` settings the client contributes. */
export interface NanguardSettings {
  enable: boolean;
  lint: { select: string[]; ignore: string[] };
  /** Code, code prefix (`NG5`) or family name (`training-hints`) → severity. */
  severity: Record<string, SeveritySetting>;
  /** Globs of files and folders the workspace scan leaves out. */
  exclude: string[];
  codeAction: { ignoreLine: { enable: boolean } };
  fixAll: { unsafe: boolean };
  trace: { server: 'off' | 'messages' | 'verbose' };
}

export const DEFAULT_SETTINGS: NanguardSettings = {
  enable: true,
  lint: { select: [], ignore: [] },
  severity: {},
  exclude: [],
  codeAction: { ignoreLine: { enable: true } },
  fixAll: { unsafe: false },
  trace: { server: 'off' },
};

/**
 * `initializationOptions` the client may send. `diagnosticDelay` (milliseconds, default 150) is
 * how long the server waits after the last change before it analyses a document; tests and the
 * latency benchmark set it.
 */
export interface InitializationOptions {
  diagnosticDelay?: number;
}
