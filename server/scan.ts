// The workspace scan: every Python, TypeScript, JavaScript and notebook file of the workspace
// folders, analysed one after the other without keeping trees, with the findings of files that
// are not open published as diagnostics. Progress goes to the client's work-done token; the scan
// yields to the event loop between files so edits and code actions stay responsive.

import * as fs from 'node:fs';
import type { CancellationToken, WorkDoneProgressReporter } from 'vscode-languageserver';
import type { Analysis } from '../rules/engine/engine';
import { t } from '../rules/engine/l10n';
import { languageForPath } from '../rules/engine/parser';
import { loadConfigFor, pathExcluded } from '../rules/project/config';
import { discoverFiles } from '../rules/project/files';
import { joinCells, readNotebook } from '../rules/project/notebook';
import { analyse } from './analysis';
import { toDiagnostic } from './diagnostics';
import { MAX_TEXT_LENGTH } from './linter';
import type { ScanWorkspaceParams, ScanWorkspaceResult } from './protocol';
import type { Session } from './session';
import { uriOf } from './uris';

/** A version no open document has: the diagnostic came from the file on disk. */
export const ON_DISK_VERSION = -1;

const MAX_FILE_BYTES = MAX_TEXT_LENGTH;

/** URIs the previous scans published findings for, so that a fixed file is cleared next time. */
const publishedByScan = new Set<string>();

type FileOutcome = { kind: 'analysed'; findings: number } | { kind: 'skipped'; reason: string };

export async function scanWorkspace(
  session: Session,
  params: ScanWorkspaceParams,
  token: CancellationToken,
): Promise<ScanWorkspaceResult> {
  await session.settingsReady;
  const result: ScanWorkspaceResult = { files: 0, findings: 0, skipped: 0, cancelled: false };
  const progress = session.connection.window.attachWorkDoneProgress(params.workDoneToken);
  progress.begin(t('NaN Guard: scanning'), 0, t('finding files…'), true);
  try {
    const files = await collectFiles(session, token);
    if (token.isCancellationRequested) return { ...result, cancelled: true };
    session.log.info(`Scanning ${files.length} files.`);

    for (let index = 0; index < files.length; index++) {
      if (token.isCancellationRequested) {
        result.cancelled = true;
        break;
      }
      const outcome = await scanFile(session, files[index]);
      if (outcome.kind === 'analysed') {
        result.files++;
        result.findings += outcome.findings;
      } else {
        result.skipped++;
        session.log.info(`Skipped ${files[index]}: ${outcome.reason}`);
      }
      reportProgress(progress, index + 1, files.length);
      // Lets pending messages (edits, cancellation) through before the next file.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    progress.done();
  }
  session.log.info(
    `Scan ${result.cancelled ? 'cancelled' : 'finished'}: ${result.files} files, ` +
      `${result.findings} findings, ${result.skipped} skipped.`,
  );
  return result;
}

function reportProgress(progress: WorkDoneProgressReporter, done: number, total: number): void {
  const percentage = total === 0 ? 100 : Math.floor((done / total) * 100);
  progress.report(percentage, t('{0}/{1} files', done, total));
}

async function collectFiles(session: Session, token: CancellationToken): Promise<string[]> {
  const exclude = [...session.settings.nanguard.exclude, ...session.settings.filesExclude];
  const files: string[] = [];
  const discovered = discoverFiles(session.workspaceFolders, {
    exclude,
    onProblem: (path, message) => session.log.info(`${path}: ${message}`),
    isExcluded: (path) => pathExcluded(loadConfigFor(path), path),
  });
  for await (const file of discovered) {
    files.push(file);
    if (token.isCancellationRequested) break;
  }
  return files;
}

async function scanFile(session: Session, filePath: string): Promise<FileOutcome> {
  const read = await readSourceFile(filePath);
  if ('reason' in read) return { kind: 'skipped', reason: read.reason };

  const uri = uriOf(filePath);
  if (filePath.toLowerCase().endsWith('.ipynb')) return scanNotebook(session, filePath, read.text);
  const language = languageForPath(filePath);
  if (!language)
    return { kind: 'skipped', reason: t('not a Python, TypeScript or JavaScript file') };

  const analysis = analyse(
    { filePath, label: filePath, text: read.text, language, withFixes: false },
    session.settings.nanguard,
    session.log,
  );
  // An open document has its own, newer diagnostics; the file on disk must not replace them.
  if (!session.documents.has(uri)) publish(session, uri, analysis);
  return { kind: 'analysed', findings: analysis.findings.length };
}

/**
 * Notebooks on disk are analysed and counted. FIXME: their findings are not published, because
 * a diagnostic needs the URI of a cell, and cells have URIs only while the notebook is open.
 */
function scanNotebook(session: Session, filePath: string, json: string): FileOutcome {
  const notebook = readNotebook(json);
  if ('error' in notebook) return { kind: 'skipped', reason: notebook.error };
  if (notebook.language !== 'python') {
    return { kind: 'skipped', reason: t('not a Python notebook') };
  }
  const joined = joinCells(notebook.cells);
  const analysis = analyse(
    { filePath, label: filePath, text: joined.text, language: 'python', withFixes: false },
    session.settings.nanguard,
    session.log,
  );
  return { kind: 'analysed', findings: analysis.findings.length };
}

function publish(session: Session, uri: string, analysis: Analysis): void {
  if (analysis.findings.length === 0 && !publishedByScan.has(uri)) return;
  if (analysis.findings.length === 0) publishedByScan.delete(uri);
  else publishedByScan.add(uri);
  void session.connection.sendDiagnostics({
    uri,
    diagnostics: analysis.findings.map((finding) =>
      toDiagnostic(finding, uri, ON_DISK_VERSION, session.displayLanguage),
    ),
  });
}

/** The text of a source file, or why it is left out: too large, binary, not UTF-8, vanished. */
export async function readSourceFile(
  filePath: string,
): Promise<{ text: string } | { reason: string }> {
  let bytes: Buffer;
  try {
    const stats = await fs.promises.stat(filePath);
    if (stats.size > MAX_FILE_BYTES) return { reason: t('larger than 2 MB') };
    bytes = await fs.promises.readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? t('vanished during the scan') : String(error) };
  }
  if (bytes.subarray(0, 8192).includes(0)) return { reason: t('binary file') };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch {
    return { reason: t('not valid UTF-8') };
  }
}
