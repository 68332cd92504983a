// Settings and configuration files changing while the server runs: both take effect without a
// restart, by re-analysing every open document and notebook.

import * as path from 'node:path';
import type { DidChangeWatchedFilesParams } from 'vscode-languageserver';
import { clearConfigCache } from '../rules/project/config';
import { resetConfigProblemLog } from './analysis';
import type { Publisher } from './publisher';
import type { Session } from './session';
import { fetchSettings } from './settings';
import { filePathOf } from './uris';

const CONFIGURATION_FILES = new Set(['pyproject.toml', 'nanguard.toml']);

/** Pulls the settings and applies the log level they ask for. */
export async function loadSettings(session: Session): Promise<void> {
  session.settings = await fetchSettings(session.connection, session.client.configuration);
  session.log.setLevel(session.settings.nanguard.trace.server === 'verbose' ? 'debug' : 'info');
  session.log.debug(`Settings: ${JSON.stringify(session.settings)}`);
}

let pendingReload: Promise<void> | null = null;

/**
 * Re-reads the settings and re-analyses what is open. A client that both pushes the section and
 * honours the server's registration sends two notifications for one change; they share a reload.
 */
export function settingsChanged(session: Session, publisher: Publisher): Promise<void> {
  pendingReload ??= new Promise<void>((resolve) => setTimeout(resolve, 20)).then(async () => {
    pendingReload = null;
    await loadSettings(session);
    await publisher.republishAll();
  });
  return pendingReload;
}

export async function watchedFilesChanged(
  session: Session,
  publisher: Publisher,
  params: DidChangeWatchedFilesParams,
): Promise<void> {
  const touchesConfiguration = params.changes.some((change) => {
    const filePath = filePathOf(change.uri);
    return filePath !== null && CONFIGURATION_FILES.has(path.basename(filePath));
  });
  if (!touchesConfiguration) return;
  session.log.info('A configuration file changed; re-analysing open documents.');
  clearConfigCache();
  resetConfigProblemLog();
  await publisher.republishAll();
}
