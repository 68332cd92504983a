// One levelled log for the whole server, written to the client's output channel through
// `connection.console`. Handlers are wrapped so that an error is logged with its stack and the
// request still gets an (empty) answer: the server never dies of one bad document.

import type { RemoteConsole } from 'vscode-languageserver';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class Logger {
  private level: LogLevel = 'info';
  private readonly reportedFailures = new Set<string>();

  constructor(private readonly console: RemoteConsole) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  error(message: string, error?: unknown): void {
    if (this.enabled('error')) this.console.error(withDetail(message, error));
  }

  warn(message: string): void {
    if (this.enabled('warn')) this.console.warn(message);
  }

  info(message: string): void {
    if (this.enabled('info')) this.console.info(message);
  }

  debug(message: string): void {
    if (this.enabled('debug')) this.console.log(message);
  }

  /** Logs a rule that threw on a file, once per rule and file for the life of the server. */
  ruleFailure(code: string, file: string, error: unknown): void {
    const key = `${code}\u0000${file}`;
    if (this.reportedFailures.has(key)) return;
    this.reportedFailures.add(key);
    this.error(`Rule ${code} failed on ${file}; its other findings are kept.`, error);
  }

  /**
   * Wraps a handler: a thrown error or a rejected promise is logged with the handler's name and
   * turned into `fallback`, which the client receives as an ordinary (empty) result.
   */
  guard<P extends unknown[], R>(
    name: string,
    handler: (...args: P) => R | Promise<R>,
    fallback: R,
  ): (...args: P) => Promise<R> {
    return async (...args: P) => {
      try {
        return await handler(...args);
      } catch (error) {
        this.error(`${name} failed.`, error);
        return fallback;
      }
    };
  }

  private enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }
}

function withDetail(message: string, error: unknown): string {
  if (error === undefined) return message;
  if (error instanceof Error) return `${message}\n${error.stack ?? error.message}`;
  return `${message}\n${String(error)}`;
}
