// Project configuration: `[tool.nanguard]` in pyproject.toml, or a nanguard.toml, found by walking
// up from each file. The CLI and the language server read the same files through this module.
//
//   [tool.nanguard]
//   select = ["NG1", "NG201"]          # codes or prefixes; absent means every rule
//   ignore = ["NG9"]
//   exclude = ["build/**"]             # globs relative to the config file's folder
//   [tool.nanguard.per-file-ignores]
//   "tests/**" = ["NG5"]
//   [tool.nanguard.severity]
//   NG101 = "error"                    # a code, a prefix or a family name
//   training-hints = "hint"
//
// A file that cannot be read or understood never stops a scan: each problem is reported with the
// file and, where known, the line, and the defaults take the place of what was wrong.

import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { parse, TomlError } from 'smol-toml';
import { matchesSomeRule } from '../index';
import { t } from '../engine/l10n';
import type { Family, Severity } from '../engine/types';

export interface ProjectConfig {
  select: string[] | null;
  ignore: string[];
  perFileIgnores: { pattern: string; codes: string[] }[];
  severity: Record<string, Severity>;
  exclude: string[];
}

export interface ConfigProblem {
  file: string;
  line: number | null;
  message: string;
}

export interface LoadedConfig {
  config: ProjectConfig;
  /** The file the configuration came from, or null when the defaults apply. */
  file: string | null;
  /** The folder globs are relative to: the config file's folder, or the searched folder. */
  root: string;
  problems: ConfigProblem[];
}

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
const FAMILIES: readonly Family[] = [
  'exp-overflow',
  'log-domain',
  'precision',
  'underflow',
  'division-roots',
  'half-precision',
  'comparisons',
  'training-loop',
  'training-hints',
];
const KNOWN_KEYS = ['select', 'ignore', 'per-file-ignores', 'severity', 'exclude'];
const CODE_PATTERN = /^NG\d{0,3}$/;

export function defaultConfig(): ProjectConfig {
  return { select: null, ignore: [], perFileIgnores: [], severity: {}, exclude: [] };
}

/** Folder → the configuration that governs files in it. */
const cache = new Map<string, LoadedConfig>();

export function clearConfigCache(): void {
  cache.clear();
}

/**
 * The configuration for a file: the explicit file when one is given (the CLI's `--config`),
 * otherwise the nearest nanguard.toml or pyproject.toml with a `[tool.nanguard]` table above it.
 */
export function loadConfigFor(filePath: string, explicitConfig?: string): LoadedConfig {
  if (explicitConfig) {
    const file = path.resolve(explicitConfig);
    const key = `explicit:${file}`;
    let loaded = cache.get(key);
    if (!loaded) {
      loaded = readConfigFile(file, true) ?? defaultsFor(path.dirname(file), file);
      cache.set(key, loaded);
    }
    return loaded;
  }
  return configForFolder(path.dirname(path.resolve(filePath)));
}

function configForFolder(folder: string): LoadedConfig {
  const cached = cache.get(folder);
  if (cached) return cached;

  const loaded = findConfigIn(folder) ?? inheritedFrom(folder);
  cache.set(folder, loaded);
  return loaded;
}

/** What the folder above `folder` would use. */
function inheritedFrom(folder: string): LoadedConfig {
  const parent = path.dirname(folder);
  return parent === folder ? defaultsFor(folder, null) : configForFolder(parent);
}

function defaultsFor(root: string, file: string | null): LoadedConfig {
  return { config: defaultConfig(), file, root, problems: [] };
}

/** nanguard.toml wins over pyproject.toml in the same folder, as a dedicated file should. */
function findConfigIn(folder: string): LoadedConfig | null {
  for (const name of ['nanguard.toml', 'pyproject.toml']) {
    const file = path.join(folder, name);
    if (!fs.existsSync(file)) continue;
    const loaded = readConfigFile(file, false);
    if (loaded) return loaded;
  }
  return null;
}

/**
 * Reads one file. Returns null for a pyproject.toml that says nothing about NaN Guard (the search
 * goes on upwards), unless the file was named explicitly.
 */
function readConfigFile(file: string, explicit: boolean): LoadedConfig | null {
  const root = path.dirname(file);
  const isPyproject = path.basename(file) === 'pyproject.toml';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const problem = { file, line: null, message: t('cannot read: {0}', errorText(error)) };
    return { config: defaultConfig(), file, root, problems: [problem] };
  }

  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    const problem = syntaxProblem(file, error);
    // A broken pyproject.toml that never mentions NaN Guard belongs to other tools: it is still
    // reported (a hidden [tool.nanguard] table is possible), but the search goes on upwards.
    if (isPyproject && !explicit && !/\btool\.nanguard\b/.test(text)) {
      const inherited = inheritedFrom(root);
      return { ...inherited, problems: [...inherited.problems, problem] };
    }
    return { config: defaultConfig(), file, root, problems: [problem] };
  }

  let table: unknown = document;
  let section = '';
  if (isPyproject) {
    const tool = document.tool as Record<string, unknown> | undefined;
    table = tool && typeof tool === 'object' ? tool.nanguard : undefined;
    section = 'tool.nanguard';
    if (table === undefined) {
      return explicit ? defaultsFor(root, file) : null;
    }
  }

  const problems: ConfigProblem[] = [];
  const config = interpret(table, { file, text, section, problems });
  return { config, file, root, problems };
}

function syntaxProblem(file: string, error: unknown): ConfigProblem {
  if (error instanceof TomlError) {
    const firstLine = error.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
    return { file, line: error.line, message: t('TOML syntax error: {0}', firstLine) };
  }
  return { file, line: null, message: t('TOML syntax error: {0}', errorText(error)) };
}

interface Reading {
  file: string;
  text: string;
  /** The table the keys live in, such as `tool.nanguard`; empty for nanguard.toml. */
  section: string;
  problems: ConfigProblem[];
}

/** Turns the table into a ProjectConfig key by key; a wrong key keeps its default. */
function interpret(table: unknown, reading: Reading): ProjectConfig {
  const config = defaultConfig();
  if (!isTable(table)) {
    complain(reading, reading.section, t('expected a table of settings'));
    return config;
  }

  for (const key of Object.keys(table)) {
    if (!KNOWN_KEYS.includes(key)) {
      complain(
        reading,
        key,
        t('unknown key "{0}"; expected one of: {1}', key, KNOWN_KEYS.join(', ')),
      );
    }
  }

  const select = codeList(table.select, 'select', reading);
  // A list whose every entry was rejected (a typo) would silence every rule: the default applies.
  const selectGiven = Array.isArray(table.select) && table.select.length > 0;
  if (select && (select.length > 0 || !selectGiven)) config.select = select;
  config.ignore = codeList(table.ignore, 'ignore', reading) ?? [];
  config.exclude = stringList(table.exclude, 'exclude', reading) ?? [];
  config.perFileIgnores = perFileIgnores(table['per-file-ignores'], reading);
  config.severity = severities(table.severity, reading);
  return config;
}

function stringList(value: unknown, key: string, reading: Reading): string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    complain(reading, key, t('"{0}" must be a list of strings', key));
    return null;
  }
  return value as string[];
}

function codeList(value: unknown, key: string, reading: Reading): string[] | null {
  const list = stringList(value, key, reading);
  if (!list) return null;
  const codes: string[] = [];
  for (const item of list) {
    const code = item.trim().toUpperCase();
    if (CODE_PATTERN.test(code) && matchesSomeRule(code)) codes.push(code);
    else complain(reading, key, t('"{0}" is not a rule code or prefix such as NG101 or NG5', item));
  }
  return codes;
}

function perFileIgnores(value: unknown, reading: Reading): ProjectConfig['perFileIgnores'] {
  if (value === undefined) return [];
  if (!isTable(value)) {
    complain(reading, 'per-file-ignores', t('"{0}" must be a table', 'per-file-ignores'));
    return [];
  }
  const entries: ProjectConfig['perFileIgnores'] = [];
  for (const [pattern, codes] of Object.entries(value)) {
    const list = codeList(codes, pattern, reading);
    if (list) entries.push({ pattern, codes: list });
  }
  return entries;
}

function severities(value: unknown, reading: Reading): Record<string, Severity> {
  if (value === undefined) return {};
  if (!isTable(value)) {
    complain(reading, 'severity', t('"{0}" must be a table', 'severity'));
    return {};
  }
  const result: Record<string, Severity> = {};
  for (const [key, level] of Object.entries(value)) {
    const target = FAMILIES.includes(key as Family) ? key : key.toUpperCase();
    if (!FAMILIES.includes(key as Family) && !CODE_PATTERN.test(target)) {
      complain(reading, key, t('"{0}" is neither a rule code, a prefix nor a family name', key));
    } else if (typeof level !== 'string' || !SEVERITIES.includes(level as Severity)) {
      complain(
        reading,
        key,
        t('severity of "{0}" must be one of: {1}', key, SEVERITIES.join(', ')),
      );
    } else {
      result[target] = level as Severity;
    }
  }
  return result;
}

function complain(reading: Reading, key: string, message: string): void {
  reading.problems.push({ file: reading.file, line: lineOfKey(reading, key), message });
}

/**
 * The TOML parser gives values without positions, so the line of a key is found in the text:
 * the first line that assigns it after the section header (or anywhere, failing that).
 */
function lineOfKey(reading: Reading, key: string): number | null {
  const lines = reading.text.split(/\r?\n/);
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const assignment = new RegExp(`^\\s*["']?${escaped}["']?\\s*=`);
  const header = reading.section
    ? new RegExp(`^\\s*\\[\\s*${reading.section.replace(/\./g, '\\s*\\.\\s*')}\\b`)
    : null;
  let start = 0;
  if (header) {
    const index = lines.findIndex((line) => header.test(line));
    if (index >= 0) start = index;
  }
  for (let index = start; index < lines.length; index++) {
    if (assignment.test(lines[index])) return index + 1;
  }
  const anywhere = lines.findIndex((line) => assignment.test(line));
  if (anywhere >= 0) return anywhere + 1;
  return header && start > 0 ? start + 1 : null;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a configuration file could not be read, in words rather than an errno code. */
function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EISDIR') return t('it is a folder, not a file');
  if (code === 'ENOENT') return t('no such file or directory');
  if (code === 'EACCES' || code === 'EPERM') return t('permission denied');
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** The path of a file relative to the config's folder, with forward slashes for globs. */
function relativeToRoot(loaded: LoadedConfig, filePath: string): string {
  return path.relative(loaded.root, path.resolve(filePath)).split(path.sep).join('/');
}

const matchers = new Map<string, picomatch.Matcher>();

/** Globs without a slash match the file name anywhere below the root, as in .gitignore. */
export function globMatches(pattern: string, relativePath: string): boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    matcher = picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
    matchers.set(pattern, matcher);
  }
  return matcher(relativePath);
}

/** Whether the project's `exclude` globs leave a file or folder out of scans. */
export function pathExcluded(loaded: LoadedConfig, filePath: string): boolean {
  const relative = relativeToRoot(loaded, filePath);
  if (relative.startsWith('..') || relative === '') return false;
  return loaded.config.exclude.some(
    (pattern) => globMatches(pattern, relative) || globMatches(pattern, `${relative}/`),
  );
}

/** The length of the longest pattern in `patterns` that covers `code`, or -1 when none does. */
function longestMatch(code: string, patterns: readonly string[]): number {
  let longest = -1;
  for (const pattern of patterns) {
    if (code.startsWith(pattern) && pattern.length > longest) longest = pattern.length;
  }
  return longest;
}

/**
 * Whether a rule runs on a file. The most specific pattern decides between `select` and `ignore`
 * (`select = ["NG101"]` with `ignore = ["NG1"]` keeps NG101); on a tie, `ignore` wins. A
 * per-file ignore always wins.
 */
export function codeEnabled(loaded: LoadedConfig, filePath: string, code: string): boolean {
  const { config } = loaded;
  const selected = longestMatch(code, config.select ?? ['NG']);
  if (selected < 0 || longestMatch(code, config.ignore) >= selected) return false;
  if (config.perFileIgnores.length === 0) return true;

  const relative = relativeToRoot(loaded, filePath);
  return !config.perFileIgnores.some(
    (entry) => longestMatch(code, entry.codes) >= 0 && globMatches(entry.pattern, relative),
  );
}

/** An exact code wins over the longest prefix, which wins over the family name. */
export function severityFor(
  loaded: LoadedConfig,
  code: string,
  family: Family,
  fallback: Severity,
): Severity {
  const { severity } = loaded.config;
  if (severity[code]) return severity[code];
  let best: string | null = null;
  for (const key of Object.keys(severity)) {
    if (CODE_PATTERN.test(key) && code.startsWith(key) && (!best || key.length > best.length)) {
      best = key;
    }
  }
  if (best) return severity[best];
  return severity[family] ?? fallback;
}
