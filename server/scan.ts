// The workspace scan: every Python, TypeScript, JavaScript and notebook file of the workspace
// folders, analysed one after the other in a thread of their own (see scanThread.ts), with the
// findings of files that are not open published as diagnostics. Progress goes to the client's
// work-done token; the server's own thread stays free for edits and code actions meanwhile.

import type { CancellationToken, WorkDoneProgressReporter } from 'vscode-languageserver';
import { t } from '../rules/engine/l10n';
import type { Finding } from '../rules/engine/types';
import { loadConfigFor, pathExcluded } from '../rules/project/config';
import { discoverFiles } from '../rules/project/files';
import { toDiagnostic } from './diagnostics';
import type { ScanWorkspaceParams, ScanWorkspaceResult } from './protocol';
import type { FileOutcome } from './scanFile';
import { createFileAnalyser, type FileAnalyser } from './scanThread';
import type { Session } from './session';
import { uriOf } from './uris';

/** A version no open document has: the diagnostic came from the file on disk. */
export const ON_DISK_VERSION = -1;

/** URIs the previous scans published findings for, so that a fixed file is cleared next time. */
const publishedByScan = new Set<string>();

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

    const analyser = createFileAnalyser(
      { settings: session.settings.nanguard, language: session.displayLanguage },
      session.log,
    );
    try {
      await scanAll(session, analyser, files, result, progress, token);
    } finally {
      await analyser.close();
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

async function scanAll(
  session: Session,
  analyser: FileAnalyser,
  files: string[],
  result: ScanWorkspaceResult,
  progress: WorkDoneProgressReporter,
  token: CancellationToken,
): Promise<void> {
  for (let index = 0; index < files.length; index++) {
    if (token.isCancellationRequested) {
      result.cancelled = true;
      break;
    }
    const outcome = await scanFile(session, analyser, files[index]);
    if (outcome.kind === 'analysed') {
      result.files++;
      result.findings += outcome.count;
    } else {
      result.skipped++;
      session.log.info(`Skipped ${files[index]}: ${outcome.reason}`);
    }
    reportProgress(progress, index + 1, files.length);
  }
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

async function scanFile(
  session: Session,
  analyser: FileAnalyser,
  filePath: string,
): Promise<FileOutcome> {
  const outcome = await analyser.analyse(filePath);
  const uri = uriOf(filePath);
  // An open document has its own, newer diagnostics; the file on disk must not replace them.
  // A notebook's outcome carries no findings to publish (see scanFile.ts).
  if (outcome.kind === 'analysed' && !session.documents.has(uri)) {
    publish(session, uri, outcome.findings);
  }
  return outcome;
}

function publish(session: Session, uri: string, findings: Finding[]): void {
  if (findings.length === 0 && !publishedByScan.has(uri)) return;
  if (findings.length === 0) publishedByScan.delete(uri);
  else publishedByScan.add(uri);
  void session.connection.sendDiagnostics({
    uri,
    diagnostics: findings.map((finding) =>
      toDiagnostic(finding, uri, ON_DISK_VERSION, session.displayLanguage),
    ),
  });
}
