// A server log that keeps every line it is given, for tests that look at what was logged.

import type { RemoteConsole } from 'vscode-languageserver';
import { Logger } from '../../../server/logger';

export function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (message: string) => lines.push(message);
  const console = { error: record, warn: record, info: record, log: record };
  return { log: new Logger(console as unknown as RemoteConsole), lines };
}
