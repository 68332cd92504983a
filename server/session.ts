// The state of one server process, created at start and filled in by `initialize`. Every
// handler module receives it; nothing else is global.

import type { Connection, NotebookDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DisplayLanguage } from '../rules/engine/l10n';
import type { DocumentStore } from './documents';
import type { Linter } from './linter';
import type { Logger } from './logger';
import type { EditorSettings } from './settings';

export interface ClientSupport {
  /** workspace/configuration: settings are pulled; without it the defaults apply. */
  configuration: boolean;
  /** Dynamic registration of didChangeConfiguration. */
  configurationChange: boolean;
  /** Dynamic registration of file watchers for the project configuration files. */
  watchedFiles: boolean;
  /** workspace/didChangeWorkspaceFolders: the scan follows folders added later. */
  workspaceFolderChanges: boolean;
  /** codeAction/resolve for edits: fix-all computes its edit only when applied. */
  codeActionResolve: boolean;
}

export interface Session {
  connection: Connection;
  log: Logger;
  documents: DocumentStore;
  notebooks: NotebookDocuments<TextDocument>;
  /** URIs of the open notebooks, which NotebookDocuments does not list. */
  openNotebooks: Set<string>;
  linter: Linter;
  settings: EditorSettings;
  displayLanguage: DisplayLanguage;
  /** The workspace folders as file-system paths. */
  workspaceFolders: string[];
  client: ClientSupport;
  /** Milliseconds between the last change of a document and its analysis. */
  diagnosticDelay: number;
  /** Settings arrive after `initialized`; analyses wait for them. */
  settingsReady: Promise<void>;
}
