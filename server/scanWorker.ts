// The workspace scan's thread: loads the parsers, then analyses the files the server sends, one
// message per file, and answers with the file's outcome. Running here keeps the server's own
// thread free for the editor, and lets the scan's memory be capped: when this thread runs out,
// only it stops, and the server carries on without it.

import type { RemoteConsole } from 'vscode-languageserver';
import { parentPort, workerData } from 'node:worker_threads';
import { t, useLanguage, type DisplayLanguage } from '../rules/engine/l10n';
import { initParsers } from '../rules/engine/parser';
import { Logger, type LogLevel } from './logger';
import type { NanguardSettings } from './protocol';
import { analyseFileOnDisk, type FileOutcome } from './scanFile';

export interface ScanThreadData {
  settings: NanguardSettings;
  language: DisplayLanguage;
}

export interface ScanThreadRequest {
  id: number;
  path: string;
}

export type ScanThreadMessage =
  | { ready: true }
  | { id: number; outcome: FileOutcome }
  | { log: LogLevel; message: string }
  /** Sent as such so that the server logs each rule and file once, over every scan. */
  | { ruleFailure: { code: string; file: string; detail: string } };

/** Hands rule failures to the server whole, where the once-per-rule-and-file record lives. */
class ForwardingLogger extends Logger {
  constructor(
    console: RemoteConsole,
    private readonly send: (message: ScanThreadMessage) => void,
  ) {
    super(console);
  }

  override ruleFailure(code: string, file: string, error: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.send({ ruleFailure: { code, file, detail } });
  }
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const { settings, language } = workerData as ScanThreadData;
  const send = (message: ScanThreadMessage) => port.postMessage(message);
  // Every line goes to the server, whose own log decides what it shows.
  const forward = (level: LogLevel) => (message: string) => send({ log: level, message });
  const console = {
    error: forward('error'),
    warn: forward('warn'),
    info: forward('info'),
    log: forward('debug'),
  } as unknown as RemoteConsole;
  const log = new ForwardingLogger(console, send);
  log.setLevel('debug');

  useLanguage(language);
  await initParsers([]);
  port.on('message', (request: ScanThreadRequest) => {
    void analyseFileOnDisk(request.path, settings, log)
      .catch((error: unknown): FileOutcome => {
        log.error(`Analysing ${request.path} failed.`, error);
        return { kind: 'skipped', reason: t('internal error (see the log)') };
      })
      .then((outcome) => send({ id: request.id, outcome }));
  });
  send({ ready: true });
}

void serve();
