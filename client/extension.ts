// The extension's entry point. It only wires the parts together: the log, the server, the
// status item, the commands, and the reaction to `nanguard.enable` changing.

import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { useDisplayLanguage, t } from './l10n';
import { Logger } from './logger';
import { ServerController } from './server';
import { ServerStatusItem } from './status';

let server: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  useDisplayLanguage(vscode.env.language);
  const logger = new Logger();
  context.subscriptions.push(logger);

  try {
    server = new ServerController(context, logger);
    context.subscriptions.push(server, new ServerStatusItem(server));
    registerCommands(context, server, logger);
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('nanguard.enable')) void server?.applyEnablement();
      }),
    );
    void server.applyEnablement();
  } catch (error) {
    logger.report(t('NaN Guard could not start.'), error);
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
