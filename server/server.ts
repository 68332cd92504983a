// The NaN Guard language server. This file only wires: it creates the session and registers the
// handlers in lifecycle order; each concern lives in its own module. Every handler is guarded, so
// an error is logged with its stack and answered with an empty result instead of ending the
// process.

import {
  createConnection,
  NotebookDocuments,
  ProposedFeatures,
  type CodeAction,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions, resolveCodeAction } from './codeActions';
import { loadSettings, settingsChanged, watchedFilesChanged } from './configuration';
import { DocumentStore } from './documents';
import { hover } from './hover';
import { initialize, registerForChanges } from './lifecycle';
import { Linter } from './linter';
import { Logger } from './logger';
import { DEFAULT_SETTINGS, ScanWorkspaceRequest } from './protocol';
import { Publisher } from './publisher';
import { scanWorkspace } from './scan';
import type { Session } from './session';
import {
  didChange,
  didClose,
  didOpen,
  notebookChanged,
  notebookClosed,
  notebookOpened,
} from './textSync';

const connection = createConnection(ProposedFeatures.all);
const log = new Logger(connection.console);
// A promise nobody waits on that fails (a client that refuses a request, say) is logged; by
// default Node would end the server for it.
process.on('unhandledRejection', (reason) => log.error('An operation failed unawaited.', reason));
const documents = new DocumentStore();
const notebooks = new NotebookDocuments(TextDocument);
let settingsLoaded: () => void = () => undefined;

const session: Session = {
  connection,
  log,
  documents,
  notebooks,
  openNotebooks: new Set(),
  linter: new Linter({ documents, notebooks, log, settings: () => session.settings.nanguard }),
  settings: { nanguard: DEFAULT_SETTINGS, filesExclude: [] },
  displayLanguage: 'en',
  workspaceFolders: [],
  client: {
    configuration: false,
    configurationChange: false,
    watchedFiles: false,
    workspaceFolderChanges: false,
    codeActionResolve: false,
  },
  diagnosticDelay: 150,
  settingsReady: new Promise<void>((resolve) => (settingsLoaded = resolve)),
};
let publisher: Publisher;

// Lifecycle.
connection.onInitialize(async (params) => {
  try {
    const result = await initialize(session, params);
    publisher = new Publisher(session);
    return result;
  } catch (error) {
    // The client is told through the failed request.
    log.error('initialize failed.', error);
    throw error;
  }
});
connection.onInitialized(
  log.guard(
    'initialized',
    async () => {
      try {
        await loadSettings(session);
      } finally {
        settingsLoaded();
      }
      await registerForChanges(session);
    },
    undefined,
  ),
);
connection.onShutdown(() => log.info('NaN Guard server shutting down.'));

// Documents and notebooks.
connection.onDidOpenTextDocument(
  log.guard('didOpen', (params) => didOpen(session, publisher, params), undefined),
);
connection.onDidChangeTextDocument(
  log.guard('didChange', (params) => didChange(session, publisher, params), undefined),
);
connection.onDidCloseTextDocument(
  log.guard('didClose', (params) => didClose(session, publisher, params), undefined),
);
notebooks.onDidOpen(
  log.guard(
    'notebookDidOpen',
    (notebook) => notebookOpened(session, publisher, notebook),
    undefined,
  ),
);
notebooks.onDidChange(
  log.guard('notebookDidChange', (event) => notebookChanged(session, publisher, event), undefined),
);
notebooks.onDidClose(
  log.guard(
    'notebookDidClose',
    (notebook) => notebookClosed(session, publisher, notebook),
    undefined,
  ),
);
notebooks.listen(connection);

// Settings and configuration files.
connection.onDidChangeConfiguration(
  log.guard('didChangeConfiguration', () => settingsChanged(session, publisher), undefined),
);
connection.onDidChangeWatchedFiles(
  log.guard(
    'didChangeWatchedFiles',
    (params) => watchedFilesChanged(session, publisher, params),
    undefined,
  ),
);

// Language features.
connection.onCodeAction(
  log.guard('codeAction', (params) => codeActions(session, params), [] as CodeAction[]),
);
connection.onCodeActionResolve((action) =>
  log.guard('codeAction/resolve', () => resolveCodeAction(session, action), action)(),
);
connection.onHover(log.guard('hover', (params) => hover(session, params), null));

// Custom requests.
connection.onRequest(
  ScanWorkspaceRequest,
  log.guard('scanWorkspace', (params, token) => scanWorkspace(session, params, token), {
    files: 0,
    findings: 0,
    skipped: 0,
    cancelled: false,
  }),
);

connection.listen();
