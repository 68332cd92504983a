// The commands of the command palette. Each one is a boundary: its errors are caught here,
// logged with their stack and shown once.

import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  type LanguageClient,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import { ScanWorkspaceRequest, type ScanWorkspaceResult } from '../server/protocol';
import { readSettings } from './configuration';
import { t } from './l10n';
import type { Logger } from './logger';
import type { ServerController } from './server';

export const COMMANDS = {
  scanWorkspace: 'nanguard.scanWorkspace',
  restartServer: 'nanguard.restartServer',
  showLogs: 'nanguard.showLogs',
} as const;

export function registerCommands(
  context: vscode.ExtensionContext,
  server: ServerController,
  logger: Logger,
): void {
  const register = (command: string, action: () => Promise<void> | void): void => {
    const guarded = async (): Promise<void> => {
      try {
        await action();
      } catch (error) {
        logger.report(t('The command {0} failed.', command), error);
      }
    };
    context.subscriptions.push(vscode.commands.registerCommand(command, guarded));
  };

  register(COMMANDS.scanWorkspace, () => scanWorkspace(server, logger));
  register(COMMANDS.restartServer, () => restartServer(server, logger));
  register(COMMANDS.showLogs, () => logger.show());
}

async function restartServer(server: ServerController, logger: Logger): Promise<void> {
  if (!readSettings().enable) {
    void vscode.window.showInformationMessage(
      t('NaN Guard is disabled. Set nanguard.enable to true to start the server.'),
    );
    return;
  }
  logger.info('Restarting the NaN Guard server on request.');
  await server.restart();
}

async function scanWorkspace(server: ServerController, logger: Logger): Promise<void> {
  const client = server.runningClient;
  if (!client) {
    logger.warnUser(t('The NaN Guard server is not running, so the workspace cannot be scanned.'));
    return;
  }

  const started = Date.now();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'NaN Guard', cancellable: true },
    (progress, cancellation) => requestScan(client, progress, cancellation),
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  logger.info(`Workspace scan: ${JSON.stringify(result)} in ${seconds} s.`);
  void vscode.window.showInformationMessage(summarizeScan(result));
}

/** Sends the scan request and mirrors the server's work-done progress in the notification. */
async function requestScan(
  client: LanguageClient,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  cancellation: vscode.CancellationToken,
): Promise<ScanWorkspaceResult> {
  const workDoneToken = `nanguard-scan-${randomUUID()}`;
  let reportedPercentage = 0;
  const show = (value: WorkDoneProgressBegin | WorkDoneProgressReport): void => {
    const percentage = value.percentage ?? reportedPercentage;
    progress.report({
      message: value.message ?? t('scanning…'),
      increment: Math.max(0, percentage - reportedPercentage),
    });
    reportedPercentage = Math.max(reportedPercentage, percentage);
  };
  const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
    if (value.kind !== 'end') show(value);
  });

  progress.report({ message: t('scanning…') });
  try {
    return await client.sendRequest(ScanWorkspaceRequest, { workDoneToken }, cancellation);
  } catch (error) {
    if (isCancellation(error)) return { files: 0, findings: 0, skipped: 0, cancelled: true };
    throw error;
  } finally {
    listener.dispose();
  }
}

function isCancellation(error: unknown): boolean {
  return (
    error instanceof ResponseError &&
    (error.code === LSPErrorCodes.RequestCancelled || error.code === LSPErrorCodes.ServerCancelled)
  );
}

export function summarizeScan(result: ScanWorkspaceResult): string {
  if (result.cancelled) {
    return t(
      'NaN Guard: scan cancelled after {0} files ({1} findings so far).',
      result.files,
      result.findings,
    );
  }
  if (result.skipped > 0) {
    return t(
      'NaN Guard scanned {0} files: {1} findings; {2} files were skipped (see the log).',
      result.files,
      result.findings,
      result.skipped,
    );
  }
  return t('NaN Guard scanned {0} files: {1} findings.', result.files, result.findings);
}
