// initialize and initialized: pick the display language, announce what the server can do, then
// pull the settings and register for the notifications that change them. No grammar is loaded
// here: each loads when the first document of its language is analysed (see Publisher), so a
// server that only ever sees Python holds no TypeScript grammar, and one that only scans (in
// its scan thread) holds none.

import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { displayLanguageOf, useLanguage } from '../rules/engine/l10n';
import { FIX_ALL_KIND, type InitializationOptions } from './protocol';
import type { Session } from './session';
import { filePathOf } from './uris';

export const CONFIGURATION_FILES_GLOB = '**/{pyproject.toml,nanguard.toml}';

export async function initialize(
  session: Session,
  params: InitializeParams,
): Promise<InitializeResult> {
  const started = performance.now();
  session.displayLanguage = displayLanguageOf(params.locale);
  useLanguage(session.displayLanguage);

  const capabilities = params.capabilities;
  session.client = {
    configuration: capabilities.workspace?.configuration === true,
    configurationChange:
      capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    watchedFiles: capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    workspaceFolderChanges: capabilities.workspace?.workspaceFolders === true,
    codeActionResolve:
      capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') === true,
  };
  session.workspaceFolders = workspaceFoldersOf(params);
  const options = (params.initializationOptions ?? {}) as InitializationOptions;
  if (typeof options.diagnosticDelay === 'number' && options.diagnosticDelay >= 0) {
    session.diagnosticDelay = options.diagnosticDelay;
  }
  session.log.info(
    `NaN Guard server ready in ${Math.round(performance.now() - started)} ms ` +
      `(language ${session.displayLanguage}, ${session.workspaceFolders.length} workspace folders).`,
  );

  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      notebookDocumentSync: {
        notebookSelector: [
          { notebook: { notebookType: 'jupyter-notebook' }, cells: [{ language: 'python' }] },
        ],
      },
      codeActionProvider: {
        codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND],
        resolveProvider: true,
      },
      hoverProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'nanguard' },
  };
}

function workspaceFoldersOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((folder) => folder.uri) ?? [];
  if (uris.length === 0 && params.rootUri) uris.push(params.rootUri);
  return uris.map(filePathOf).filter((folder): folder is string => folder !== null);
}

/** Registers for settings and configuration-file changes where the client lets the server ask. */
export async function registerForChanges(session: Session): Promise<void> {
  const { connection, client } = session;
  if (client.workspaceFolderChanges) {
    connection.workspace.onDidChangeWorkspaceFolders((event) => {
      const removed = new Set(event.removed.map((folder) => filePathOf(folder.uri)));
      const added = event.added.map((folder) => filePathOf(folder.uri));
      session.workspaceFolders = [
        ...session.workspaceFolders.filter((folder) => !removed.has(folder)),
        ...added.filter((folder): folder is string => folder !== null),
      ];
    });
  }
  if (client.configurationChange) {
    await connection.client.register(DidChangeConfigurationNotification.type, {
      section: 'nanguard',
    });
  }
  if (client.watchedFiles) {
    await connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: CONFIGURATION_FILES_GLOB }],
    });
  }
}
