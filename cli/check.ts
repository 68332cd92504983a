// `nanguard check`: validate the command line, discover the files, analyse them in parallel,
// then print the findings, the notes about files that were skipped and a one-line summary.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { t } from '../rules/engine/l10n';
import { loadConfigFor, pathExcluded, type ConfigProblem } from '../rules/project/config';
import { discoverFiles } from '../rules/project/files';
import { configurationFor, parseCodeList } from './configuration';
import { formatGithub } from './formats/github';
import { formatJson } from './formats/json';
import { displayPath, placeLabel } from './formats/paths';
import { formatSarif } from './formats/sarif';
import { formatText } from './formats/text';
import { Progress } from './progress';
import { emptyResult, type FileResult, type ScanSettings } from './results';
import { createAnalyzer } from './scan';
import { formatStatistics } from './statistics';
import { summaryLines } from './summary';

export interface CheckOptions {
  format: 'text' | 'json' | 'sarif' | 'github';
  fix: boolean;
  unsafeFixes: boolean;
  diff: boolean;
  exitZero: boolean;
  statistics: boolean;
  select?: string;
  ignore?: string;
  config?: string;
  lang: 'en' | 'ja';
  jobs: string;
  progress: boolean;
}

const EXIT_CLEAN = 0;
const EXIT_FOUND = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

export async function runCheck(paths: string[], options: CheckOptions): Promise<number> {
  const cwd = process.cwd();
  let settings: ScanSettings;
  let jobs: number;
  try {
    settings = settingsFrom(options, cwd);
    jobs = jobsFrom(options.jobs);
    if (options.statistics && (options.format === 'sarif' || options.format === 'github')) {
      // The table would not be SARIF or workflow commands, and tools reading them would fail.
      throw new UsageError(
        t(
          'nanguard: --statistics prints a table (JSON with --format json) and cannot be combined with --format {0}',
          options.format,
        ),
      );
    }
    checkInputs(paths, settings, cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }

  const results = await scan(paths, settings, jobs, options.progress);
  printResults(results, settings, options);
  const found = results.some((result) => result.findings.length > 0 || result.fixed > 0);
  const remaining = settings.diffOnly
    ? found
    : results.some((result) => result.findings.length > 0);
  if (options.exitZero) return EXIT_CLEAN;
  // A file that could not be checked (a notebook that is not JSON, a failed write) is an input
  // error: CI must not read its silence as "nothing found". Deliberate skips are not errors.
  const unchecked = results.some((result) => result.notes.some((note) => note.kind === 'error'));
  if (unchecked) return EXIT_USAGE;
  return remaining ? EXIT_FOUND : EXIT_CLEAN;
}

function settingsFrom(options: CheckOptions, cwd: string): ScanSettings {
  const select = codesFrom(options.select, '--select');
  const ignore = codesFrom(options.ignore, '--ignore');
  const fixing = options.fix || options.unsafeFixes || options.diff;
  return {
    explicitConfig: options.config ? path.resolve(cwd, options.config) : undefined,
    select,
    ignore,
    fixMode: fixing ? (options.unsafeFixes ? 'unsafe' : 'safe') : 'none',
    diffOnly: options.diff,
    language: options.lang,
    cwd,
  };
}

function codesFrom(value: string | undefined, option: string): string[] {
  if (value === undefined) return [];
  const { codes, invalid } = parseCodeList(value);
  if (invalid !== null) {
    throw new UsageError(
      t('nanguard: {0}: "{1}" is not a rule code or prefix such as NG101 or NG5', option, invalid),
    );
  }
  return codes;
}

function jobsFrom(value: string): number {
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(t('nanguard: --jobs: expected a positive whole number, got "{0}"', value));
  }
  return jobs;
}

/** Paths that do not exist and a broken --config stop the command before any scanning. */
function checkInputs(paths: string[], settings: ScanSettings, cwd: string): void {
  const missing = paths.filter((given) => !fs.existsSync(path.resolve(cwd, given)));
  if (missing.length > 0) {
    throw new UsageError(
      missing.map((given) => `${given}: ${t('no such file or directory')}`).join('\n'),
    );
  }
  if (!settings.explicitConfig) return;
  if (!fs.existsSync(settings.explicitConfig)) {
    throw new UsageError(`${shownConfig(settings)}: ${t('no such file or directory')}`);
  }
  const loaded = loadConfigFor(settings.explicitConfig, settings.explicitConfig);
  if (loaded.problems.length > 0) {
    throw new UsageError(loaded.problems.map((problem) => problemLine(problem, cwd)).join('\n'));
  }
}

function shownConfig(settings: ScanSettings): string {
  return displayPath(settings.cwd, settings.explicitConfig ?? '');
}

function problemLine(problem: ConfigProblem, cwd: string): string {
  const line = problem.line === null ? '' : `:${problem.line}`;
  return `${displayPath(cwd, problem.file)}${line}: ${problem.message}`;
}

async function scan(
  paths: string[],
  settings: ScanSettings,
  jobs: number,
  showProgress: boolean,
): Promise<FileResult[]> {
  const progress = new Progress(showProgress);
  const say = (line: string): void => progress.write(`${line}\n`);
  const reportedProblems = new Set<string>();
  const reportConfigProblems = (problems: ConfigProblem[]): void => {
    for (const problem of problems) {
      const line = problemLine(problem, settings.cwd);
      if (reportedProblems.has(line)) continue;
      reportedProblems.add(line);
      say(line);
    }
  };

  const analyzer = await createAnalyzer(settings, jobs);
  const pending: Promise<FileResult>[] = [];
  let done = 0;
  try {
    const files = discoverFiles(
      paths.map((given) => path.resolve(settings.cwd, given)),
      {
        onProblem: (found, message, kind) => {
          if (kind === 'skipped') {
            say(`${displayPath(settings.cwd, found)}: ${message}`);
            return;
          }
          // Source that exists but cannot be read counts as a file that could not be checked.
          const unreadable = emptyResult(found, found.toLowerCase().endsWith('.ipynb'));
          unreadable.notes.push({ kind: 'error', message });
          pending.push(Promise.resolve(unreadable));
        },
        isExcluded: (found) => {
          const loaded = configurationFor(found, settings);
          reportConfigProblems(loaded.problems);
          return pathExcluded(loaded, found);
        },
      },
    );
    for await (const file of files) {
      reportConfigProblems(configurationFor(file, settings).problems);
      pending.push(
        analyzer.analyze(file).then((result) => {
          done++;
          progress.update(done, pending.length);
          return result;
        }),
      );
    }
    const results = await Promise.all(pending);
    return results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } finally {
    progress.clear();
    await analyzer.close();
  }
}

function printResults(results: FileResult[], settings: ScanSettings, options: CheckOptions): void {
  process.stderr.write(noteLines(results, settings.cwd));

  if (settings.diffOnly) {
    process.stdout.write(results.map((result) => result.diff ?? '').join(''));
  } else if (options.statistics) {
    process.stdout.write(formatStatistics(results, options.format === 'json'));
  } else {
    const formatters = {
      text: formatText,
      json: formatJson,
      sarif: formatSarif,
      github: formatGithub,
    };
    process.stdout.write(formatters[options.format](results, settings.cwd));
  }

  for (const line of summaryLines(results, settings)) process.stderr.write(`${line}\n`);
}

/** Skipped files, errors, syntax notes, and each failing rule once with the first file it hit. */
export function noteLines(results: FileResult[], cwd: string): string {
  const lines: string[] = [];
  const failedRules = new Set<string>();
  for (const result of results) {
    const shown = displayPath(cwd, result.path);
    for (const note of result.notes) {
      if (note.place) lines.push(`${placeLabel(shown, note.place)}: ${t('note')}: ${note.message}`);
      else lines.push(`${shown}: ${note.message}`);
    }
    for (const failure of result.failures) {
      if (failedRules.has(failure.code)) continue;
      failedRules.add(failure.code);
      lines.push(
        t(
          'internal error: rule {0} failed on {1}: {2} (its other findings are kept; please report this)',
          failure.code,
          shown,
          failure.message,
        ),
      );
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
