// Starts, stops and restarts the language server (dist/server.js, over stdio) and publishes its
// state. A fresh LanguageClient is made for every start: a client whose start failed cannot be
// started again.

import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type DocumentSelector,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { CrashPolicy } from './crashes';
import { t } from './l10n';
import type { Logger } from './logger';
import { readSettings } from './configuration';

export const CLIENT_ID = 'nanguard';
export const SERVER_LANGUAGES = [
  'python',
  'typescript',
  'typescriptreact',
  'javascript',
  'javascriptreact',
] as const;

/**
 * Files on disk and unsaved editors of the supported languages. Notebook cells are not listed:
 * the server announces notebook synchronisation itself and the client then sends the cells as
 * part of their notebook.
 */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  ...SERVER_LANGUAGES.flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]),
  // Python cells of Jupyter notebooks: the selector also decides where the code-action and hover
  // providers are registered. Their text reaches the server through notebook sync, not twice.
  { notebook: { notebookType: 'jupyter-notebook' }, language: 'python' },
];

/** Project files whose change alters the findings without any open document changing. */
const WATCHED_FILES = '**/{pyproject.toml,nanguard.toml,.gitignore}';

export type ServerState = 'starting' | 'ready' | 'stopped' | 'error' | 'disabled';

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private crashPolicy: CrashPolicy | undefined;
  private currentState: ServerState = 'stopped';
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  /** One watcher for the whole session, shared by every client started in it. */
  private readonly projectFileWatcher = vscode.workspace.createFileSystemWatcher(WATCHED_FILES);
  private readonly disposables: vscode.Disposable[] = [this.stateChanged, this.projectFileWatcher];
  /** Start and stop requests run one after another, never interleaved. */
  private transition: Promise<void> = Promise.resolve();

  readonly onDidChangeState = this.stateChanged.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {}

  get state(): ServerState {
    return this.currentState;
  }

  /** The client while the server runs; commands that talk to the server need it. */
  get runningClient(): LanguageClient | undefined {
    return this.currentState === 'ready' ? this.client : undefined;
  }

  /** Starts or stops the server to match `nanguard.enable`. */
  applyEnablement(): Promise<void> {
    return this.enqueue(async () => {
      if (readSettings().enable) {
        if (!this.client) await this.startClient();
      } else {
        await this.stopClient();
        this.setState('disabled');
        this.logger.info('NaN Guard is disabled by the setting nanguard.enable.');
      }
    });
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopClient();
      if (readSettings().enable) await this.startClient();
      else this.setState('disabled');
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopClient());
  }

  dispose(): void {
    void this.stop();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(step, step);
    return this.transition;
  }

  private async startClient(): Promise<void> {
    const crashPolicy = new CrashPolicy(this.logger);
    const client = new LanguageClient(
      CLIENT_ID,
      'NaN Guard',
      this.serverOptions(),
      this.clientOptions(crashPolicy),
    );
    this.client = client;
    this.crashPolicy = crashPolicy;
    client.onDidChangeState((event) => this.followClientState(client, event.newState));

    this.logger.info(`Starting the NaN Guard server (display language ${vscode.env.language}).`);
    this.logger.info(`Settings: ${JSON.stringify(readSettings().snapshot())}`);
    this.setState('starting');
    try {
      await client.start();
    } catch (error) {
      this.setState('error');
      this.logger.report(t('The NaN Guard server could not start.'), error);
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.crashPolicy = undefined;
    if (!client) return;
    try {
      if (client.isRunning()) await client.stop();
      await client.dispose();
    } catch (error) {
      this.logger.error('The NaN Guard server did not stop cleanly.', error);
    }
    this.setState('stopped');
  }

  private followClientState(client: LanguageClient, state: State): void {
    if (client !== this.client) return;
    if (state === State.Running) this.setState('ready');
    else if (state === State.Starting) this.setState('starting');
    else this.setState(this.crashPolicy?.hasGivenUp ? 'error' : 'stopped');
  }

  private setState(state: ServerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateChanged.fire(state);
  }

  private serverOptions(): ServerOptions {
    const module = this.context.asAbsolutePath('dist/server.js');
    return {
      run: { module, transport: TransportKind.stdio },
      debug: {
        module,
        transport: TransportKind.stdio,
        options: { execArgv: ['--nolazy', '--inspect=6011'] },
      },
    };
  }

  private clientOptions(crashPolicy: CrashPolicy): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      synchronize: { configurationSection: 'nanguard', fileEvents: this.projectFileWatcher },
      outputChannel: this.logger.channel,
      traceOutputChannel: this.logger.channel,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: crashPolicy,
      initializationFailedHandler: (error) => {
        this.logger.report(t('The NaN Guard server could not start.'), error);
        return false;
      },
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        workspace: {
          // Turning nanguard.enable off stops this client; forwarding that change to a server
          // being shut down would only fail.
          didChangeConfiguration: async (sections, next) => {
            if (readSettings().enable) await next(sections);
          },
        },
      },
    };
  }
}
