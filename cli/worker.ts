// A scanning thread: loads the parsers once, then analyses the files the main thread sends, one
// message per file, and answers with the file's result.

import { parentPort, workerData } from 'node:worker_threads';
import { useLanguage } from '../rules/engine/l10n';
import { initParsers } from '../rules/engine/parser';
import { analyzeFile } from './analyze-file';
import type { FileResult, ScanSettings } from './results';

export interface WorkerRequest {
  id: number;
  path: string;
}

export interface WorkerResponse {
  id: number;
  result: FileResult;
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const settings = workerData as ScanSettings;
  useLanguage(settings.language);
  await initParsers();
  port.on('message', (request: WorkerRequest) => {
    const response: WorkerResponse = {
      id: request.id,
      result: analyzeFile(request.path, settings),
    };
    port.postMessage(response);
  });
  port.postMessage({ ready: true });
}

void serve();
