// The editor's `nanguard.*` settings, read with workspace/configuration and merged with the
// project's configuration file. The project file comes first (it is shared by the team and the
// CLI); the editor's select applies where the project selects nothing, and the editor's ignore
// list is added to the project's.

import type { Connection } from 'vscode-languageserver';
import type { Rule, Severity } from '../rules/engine/types';
import {
  codeEnabled,
  defaultConfig,
  loadConfigFor,
  severityFor,
  type LoadedConfig,
} from '../rules/project/config';
import { DEFAULT_SETTINGS, type NanguardSettings, type SeveritySetting } from './protocol';

const SEVERITIES: readonly SeveritySetting[] = ['error', 'warning', 'information', 'hint'];
const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;

export interface EditorSettings {
  nanguard: NanguardSettings;
  /** VS Code's `files.exclude` globs whose value is true. */
  filesExclude: string[];
}

/** Reads both sections; a client without workspace/configuration gets the defaults. */
export async function fetchSettings(
  connection: Connection,
  supportsConfiguration: boolean,
): Promise<EditorSettings> {
  if (!supportsConfiguration) return { nanguard: DEFAULT_SETTINGS, filesExclude: [] };
  const [nanguard, files] = (await connection.workspace.getConfiguration([
    { section: 'nanguard' },
    { section: 'files' },
  ])) as unknown[];
  return { nanguard: normaliseSettings(nanguard), filesExclude: trueKeys(field(files, 'exclude')) };
}

/** Turns whatever the client sent into well-formed settings, defaulting what is missing. */
export function normaliseSettings(raw: unknown): NanguardSettings {
  const lint = field(raw, 'lint');
  const trace = field(field(raw, 'trace'), 'server');
  return {
    enable: booleanOr(field(raw, 'enable'), DEFAULT_SETTINGS.enable),
    lint: { select: codes(field(lint, 'select')), ignore: codes(field(lint, 'ignore')) },
    severity: severities(field(raw, 'severity')),
    exclude: strings(field(raw, 'exclude')),
    codeAction: {
      ignoreLine: {
        enable: booleanOr(
          field(field(field(raw, 'codeAction'), 'ignoreLine'), 'enable'),
          DEFAULT_SETTINGS.codeAction.ignoreLine.enable,
        ),
      },
    },
    fixAll: {
      unsafe: booleanOr(field(field(raw, 'fixAll'), 'unsafe'), DEFAULT_SETTINGS.fixAll.unsafe),
    },
    trace: {
      server: TRACE_LEVELS.includes(trace as (typeof TRACE_LEVELS)[number])
        ? (trace as NanguardSettings['trace']['server'])
        : DEFAULT_SETTINGS.trace.server,
    },
  };
}

/** How one file is analysed: which codes run and with which severity. */
export interface FilePolicy {
  isEnabled(code: string): boolean;
  severityOf(rule: Rule): Severity;
  /** The project file's configuration, for its problems and its exclude globs. */
  project: LoadedConfig;
}

/**
 * The policy for a file on disk (or for a document without a path, the editor settings alone).
 * `loadConfigFor` caches per folder, so this is cheap to call on every analysis.
 */
export function policyFor(filePath: string | null, settings: NanguardSettings): FilePolicy {
  const project = filePath
    ? loadConfigFor(filePath)
    : { config: defaultConfig(), file: null, root: process.cwd(), problems: [] };
  const editor: LoadedConfig = {
    config: { ...defaultConfig(), severity: settings.severity },
    file: null,
    root: project.root,
    problems: [],
  };
  const merged: LoadedConfig = {
    ...project,
    config: {
      ...project.config,
      select:
        project.config.select ?? (settings.lint.select.length > 0 ? settings.lint.select : null),
      ignore: [...project.config.ignore, ...settings.lint.ignore],
    },
  };
  const path = filePath ?? '';
  return {
    project,
    isEnabled: (code) => codeEnabled(merged, path, code),
    severityOf: (rule) => {
      const { code, family, severity } = rule.meta;
      return severityFor(project, code, family, severityFor(editor, code, family, severity));
    },
  };
}

function field(value: unknown, key: string): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

function codes(value: unknown): string[] {
  return strings(value)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => /^NG\d{0,3}$/.test(code));
}

function severities(value: unknown): Record<string, Severity> {
  const result: Record<string, Severity> = {};
  if (!value || typeof value !== 'object') return result;
  for (const [key, level] of Object.entries(value as Record<string, unknown>)) {
    if (!SEVERITIES.includes(level as Severity)) continue;
    result[/^ng\d{0,3}$/i.test(key) ? key.toUpperCase() : key] = level as Severity;
  }
  return result;
}

function trueKeys(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([, enabled]) => enabled === true)
    .map(([glob]) => glob);
}
