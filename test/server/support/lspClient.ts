// A small LSP client for tests and benchmarks: it starts the built server (`dist/server.js`) over
// stdio and speaks JSON-RPC to it, answering the server's own requests (settings, registrations,
// progress tokens) the way an editor would.

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  InitializeResult,
  ProgressToken,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';

export const SERVER_PATH = path.resolve(__dirname, '..', '..', '..', 'dist', 'server.js');

export interface StartOptions {
  locale?: string;
  /** The `nanguard` settings section the client answers workspace/configuration with. */
  settings?: Record<string, unknown>;
  /** The `files` settings section (for `files.exclude`). */
  filesSettings?: Record<string, unknown>;
  workspaceFolders?: string[];
  initializationOptions?: Record<string, unknown>;
  /** Another build of the server to start (default: dist/server.js). */
  serverPath?: string;
}

interface DiagnosticsWaiter {
  uri: string;
  accept: (params: PublishDiagnosticsParams) => boolean;
  resolve: (params: PublishDiagnosticsParams) => void;
}

export class LspTestClient {
  readonly logs: { type: number; message: string }[] = [];
  /** What the server showed the user (window/showMessage). */
  readonly shown: { type: number; message: string }[] = [];
  readonly progress: { token: ProgressToken; value: Record<string, unknown> }[] = [];
  readonly configurationRequests: unknown[] = [];
  readonly latestDiagnostics = new Map<string, PublishDiagnosticsParams>();
  settings: Record<string, unknown>;
  filesSettings: Record<string, unknown>;
  initializeResult!: InitializeResult;
  /** Milliseconds from spawning the process to the answer of `initialize`. */
  startToReady = 0;
  private readonly waiters: DiagnosticsWaiter[] = [];
  private readonly diagnosticListeners: ((params: PublishDiagnosticsParams) => void)[] = [];

  private constructor(
    readonly process: ChildProcess,
    readonly connection: MessageConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
    this.filesSettings = options.filesSettings ?? {};
  }

  static async start(options: StartOptions = {}): Promise<LspTestClient> {
    const started = performance.now();
    // Node options for the server alone, such as `--cpu-prof --cpu-prof-dir=DIR` to profile it.
    const nodeArgs = process.env.NANGUARD_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [...nodeArgs, options.serverPath ?? SERVER_PATH, '--stdio'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    const client = new LspTestClient(child, connection, options);
    client.listen();
    connection.listen();

    const folders = options.workspaceFolders ?? [];
    client.initializeResult = await connection.sendRequest('initialize', {
      processId: process.pid,
      locale: options.locale ?? 'en',
      rootUri: null,
      workspaceFolders: folders.map((folder) => ({
        uri: `file://${folder}`,
        name: path.basename(folder),
      })),
      initializationOptions: options.initializationOptions ?? {},
      capabilities: {
        workspace: {
          configuration: true,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: true },
          workspaceEdit: { documentChanges: true },
        },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          codeAction: {
            resolveSupport: { properties: ['edit'] },
            codeActionLiteralSupport: {
              codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] },
            },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
        notebookDocument: { synchronization: {} },
        window: { workDoneProgress: true },
      },
    });
    client.startToReady = performance.now() - started;
    await connection.sendNotification('initialized', {});
    return client;
  }

  private listen(): void {
    const { connection } = this;
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
      this.configurationRequests.push(params);
      return params.items.map((item) =>
        item.section === 'files'
          ? this.filesSettings
          : item.section === 'nanguard'
            ? this.settings
            : null,
      );
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('client/unregisterCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('window/showMessage', (params: { type: number; message: string }) => {
      this.shown.push(params);
    });
    connection.onNotification('window/logMessage', (params: { type: number; message: string }) => {
      this.logs.push(params);
    });
    connection.onNotification('$/progress', (params) => {
      this.progress.push(params as { token: ProgressToken; value: Record<string, unknown> });
    });
    connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: PublishDiagnosticsParams) => {
        this.latestDiagnostics.set(params.uri, params);
        for (const listener of this.diagnosticListeners) listener(params);
        for (const waiter of [...this.waiters]) {
          if (waiter.uri === params.uri && waiter.accept(params)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(params);
          }
        }
      },
    );
  }

  /** Calls `listener` on every publishDiagnostics; returns a function that stops it. */
  onDiagnostics(listener: (params: PublishDiagnosticsParams) => void): () => void {
    this.diagnosticListeners.push(listener);
    return () => this.diagnosticListeners.splice(this.diagnosticListeners.indexOf(listener), 1);
  }

  /**
   * The next publishDiagnostics for `uri` that `accept` takes. Register it before the action that
   * triggers the publication, so that a fast server cannot answer before the test listens.
   */
  nextDiagnostics(
    uri: string,
    accept: (params: PublishDiagnosticsParams) => boolean = () => true,
    timeout = 10_000,
  ): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const waiter: DiagnosticsWaiter = { uri, accept, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index < 0) return;
        this.waiters.splice(index, 1);
        reject(new Error(`No matching diagnostics for ${uri} within ${timeout} ms`));
      }, timeout).unref();
    });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  open(uri: string, text: string, languageId = 'python', version = 1): Promise<void> {
    return this.notify('textDocument/didOpen', {
      textDocument: { uri, languageId, version, text },
    });
  }

  change(
    uri: string,
    version: number,
    contentChanges: TextDocumentContentChangeEvent[],
  ): Promise<void> {
    return this.notify('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges,
    });
  }

  close(uri: string): Promise<void> {
    return this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  /** Sends didChangeConfiguration; the server then pulls `settings` again. */
  changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    return this.notify('workspace/didChangeConfiguration', { settings: null });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([
        this.connection.sendRequest('shutdown'),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
      await this.connection.sendNotification('exit');
    } catch {
      // The process may already be gone; it is killed below either way.
    }
    this.connection.dispose();
    // A server that exits by itself gets to finish writing (a CPU profile, say).
    const running = () => this.process.exitCode === null && this.process.signalCode === null;
    if (running()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        this.process.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (running()) this.process.kill();
  }
}
