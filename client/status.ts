// The status bar item: the server's state at a glance; a click opens the log.

import * as vscode from 'vscode';
import { t } from './l10n';
import type { ServerController, ServerState } from './server';

const ICONS: Record<ServerState, string> = {
  starting: '$(loading~spin)',
  ready: '$(pass)',
  stopped: '$(circle-slash)',
  error: '$(error)',
  disabled: '$(circle-slash)',
};

function describeState(state: ServerState): string {
  switch (state) {
    case 'starting':
      return t('NaN Guard: the server is starting');
    case 'ready':
      return t('NaN Guard: the server is ready');
    case 'stopped':
      return t('NaN Guard: the server is stopped');
    case 'error':
      return t('NaN Guard: the server failed; click to open the log');
    case 'disabled':
      return t('NaN Guard is disabled (nanguard.enable)');
  }
}

export class ServerStatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(server: ServerController) {
    this.item = vscode.window.createStatusBarItem(
      'nanguard.status',
      vscode.StatusBarAlignment.Right,
    );
    this.item.name = 'NaN Guard';
    this.item.command = 'nanguard.showLogs';
    this.show(server.state);
    this.subscription = server.onDidChangeState((state) => this.show(state));
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }

  private show(state: ServerState): void {
    this.item.text = `${ICONS[state]} NaN Guard`;
    this.item.tooltip = describeState(state);
    this.item.accessibilityInformation = { label: describeState(state) };
    this.item.backgroundColor =
      state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
