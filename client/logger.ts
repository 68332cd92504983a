// The one levelled log of the extension: a "NaN Guard" log output channel shared with the
// language client, so the server's own messages and the client's land in the same place.

import * as vscode from 'vscode';
import { t } from './l10n';

export const LOG_CHANNEL_NAME = 'NaN Guard';

export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly reported = new Set<string>();

  constructor() {
    this.channel = vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  /** Logs an error with its stack, so the log says where it came from, not only what. */
  error(message: string, cause?: unknown): void {
    this.channel.error(cause === undefined ? message : `${message}\n${describeError(cause)}`);
  }

  show(): void {
    this.channel.show(true);
  }

  /**
   * Logs an error and tells the user about it once per distinct summary, with a button to open
   * the log; repeating the same notification would only train people to dismiss it.
   */
  report(summary: string, cause?: unknown): void {
    this.error(summary, cause);
    if (this.reported.has(summary)) return;
    this.reported.add(summary);
    void this.offerLog(vscode.window.showErrorMessage(summary, t('Open Log')));
  }

  /** Shows a warning with the same "Open Log" button, for events that are not the user's fault. */
  warnUser(message: string): void {
    this.warn(message);
    void this.offerLog(vscode.window.showWarningMessage(message, t('Open Log')));
  }

  dispose(): void {
    this.channel.dispose();
  }

  private async offerLog(choice: Thenable<string | undefined>): Promise<void> {
    if ((await choice) === t('Open Log')) this.show();
  }
}

/** The stack when there is one (it starts with the message), otherwise the best text available. */
export function describeError(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  if (typeof cause === 'string') return cause;
  try {
    return JSON.stringify(cause);
  } catch {
    return String(cause);
  }
}
