// One file of the workspace scan, read from disk and analysed: the part of the scan that runs
// in the scan thread (or, where threads cannot start, on the server's own). Nothing here talks
// to the client; the findings travel back as plain data and the caller publishes them.

import * as fs from 'node:fs';
import { t } from '../rules/engine/l10n';
import { initParsers, languageForPath } from '../rules/engine/parser';
import type { Finding } from '../rules/engine/types';
import { joinCells, readNotebook } from '../rules/project/notebook';
import { analyse } from './analysis';
import { MAX_TEXT_LENGTH } from './linter';
import type { Logger } from './logger';
import type { NanguardSettings } from './protocol';

const MAX_FILE_BYTES = MAX_TEXT_LENGTH;

export type FileOutcome =
  /** `findings` is empty for a notebook: its cells have no URI to publish them under. */
  { kind: 'analysed'; count: number; findings: Finding[] } | { kind: 'skipped'; reason: string };

export async function analyseFileOnDisk(
  filePath: string,
  settings: NanguardSettings,
  log: Logger,
): Promise<FileOutcome> {
  const read = await readSourceFile(filePath);
  if ('reason' in read) return { kind: 'skipped', reason: read.reason };
  // Each grammar is loaded when a file first needs it (all are, on the server's own thread): a
  // scan thread over a Python workspace never pays for TypeScript.
  if (filePath.toLowerCase().endsWith('.ipynb')) {
    await initParsers(['python']);
    return analyseNotebook(filePath, read.text, settings, log);
  }
  const language = languageForPath(filePath);
  if (!language) {
    return { kind: 'skipped', reason: t('not a Python, TypeScript or JavaScript file') };
  }
  await initParsers([language]);
  const { findings } = analyse(
    { filePath, label: filePath, text: read.text, language, withFixes: false },
    settings,
    log,
  );
  return { kind: 'analysed', count: findings.length, findings };
}

/**
 * Notebooks on disk are analysed and counted. FIXME: their findings are not published, because
 * a diagnostic needs the URI of a cell, and cells have URIs only while the notebook is open.
 */
function analyseNotebook(
  filePath: string,
  json: string,
  settings: NanguardSettings,
  log: Logger,
): FileOutcome {
  const notebook = readNotebook(json);
  if ('error' in notebook) return { kind: 'skipped', reason: notebook.error };
  if (notebook.language !== 'python') {
    return { kind: 'skipped', reason: t('not a Python notebook') };
  }
  const joined = joinCells(notebook.cells);
  const { findings } = analyse(
    { filePath, label: filePath, text: joined.text, language: 'python', withFixes: false },
    settings,
    log,
  );
  return { kind: 'analysed', count: findings.length, findings: [] };
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
