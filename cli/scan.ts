// Runs the analysis of many files on a pool of worker threads (one per core by default), feeding
// them as discovery finds files. A worker that dies takes only its current file with it: that
// file gets an error note and a fresh worker takes its place.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { initParsers } from '../rules/engine/parser';
import { t } from '../rules/engine/l10n';
import { analyzeFile } from './analyze-file';
import { emptyResult, type FileResult, type ScanSettings } from './results';
import type { WorkerRequest, WorkerResponse } from './worker';

export interface Analyzer {
  analyze(filePath: string): Promise<FileResult>;
  close(): Promise<void>;
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function'
    ? os.availableParallelism()
    : os.cpus().length;
}

/** The bundled worker sits beside the bundled CLI; from source there is none. */
export function workerScript(): string | null {
  const candidate = path.join(__dirname, 'worker.js');
  return fs.existsSync(candidate) ? candidate : null;
}

export async function createAnalyzer(settings: ScanSettings, jobs: number): Promise<Analyzer> {
  const script = workerScript();
  if (jobs <= 1 || !script) return inProcessAnalyzer(settings);
  return new WorkerPool(script, settings, jobs);
}

async function inProcessAnalyzer(settings: ScanSettings): Promise<Analyzer> {
  await initParsers();
  return {
    analyze: async (filePath) => {
      // Yield to the event loop between files so that progress output stays live.
      await new Promise((resolve) => setImmediate(resolve));
      return analyzeFile(filePath, settings);
    },
    close: async () => {},
  };
}

interface Task {
  id: number;
  path: string;
  resolve: (result: FileResult) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  current: Task | null;
}

class WorkerPool implements Analyzer {
  private readonly queue: Task[] = [];
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private closing = false;
  /** Workers that died before they were ready; two in a row means threads cannot work here. */
  private failedStarts = 0;
  private fallback: Promise<Analyzer> | null = null;

  constructor(
    private readonly script: string,
    private readonly settings: ScanSettings,
    private readonly size: number,
  ) {}

  analyze(filePath: string): Promise<FileResult> {
    if (this.fallback) return this.fallback.then((analyzer) => analyzer.analyze(filePath));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, path: filePath, resolve });
      // Workers start on demand: a scan of three files does not pay for eight threads.
      while (this.workers.length < this.size && this.queue.length > this.idleWorkers()) {
        this.spawn();
      }
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }

  private idleWorkers(): number {
    return this.workers.filter((entry) => !entry.current).length;
  }

  private spawn(): void {
    const entry: PoolWorker = {
      worker: new Worker(this.script, { workerData: this.settings }),
      ready: false,
      current: null,
    };
    this.workers.push(entry);
    entry.worker.on('message', (message: WorkerResponse | { ready: true }) => {
      if ('ready' in message) {
        entry.ready = true;
      } else if (entry.current && entry.current.id === message.id) {
        entry.current.resolve(message.result);
        entry.current = null;
      }
      this.dispatch();
    });
    entry.worker.on('error', (error) => this.lose(entry, error.message));
    entry.worker.on('exit', (code) => {
      if (!this.closing) this.lose(entry, t('the worker thread stopped (exit code {0})', code));
    });
  }

  /** A dead worker's file is reported, and the rest of the queue carries on. */
  private lose(entry: PoolWorker, reason: string): void {
    const index = this.workers.indexOf(entry);
    if (index < 0) return;
    this.workers.splice(index, 1);
    if (entry.current) {
      const result = emptyResult(entry.current.path, entry.current.path.endsWith('.ipynb'));
      result.notes.push({ kind: 'error', message: t('internal error: {0}', reason) });
      entry.current.resolve(result);
    }
    void entry.worker.terminate();
    if (!entry.ready && ++this.failedStarts >= 2) {
      this.analyzeQueueInProcess();
      return;
    }
    if (entry.ready) this.failedStarts = 0;
    if (this.queue.length > 0 && !this.closing) this.spawn();
  }

  /** When worker threads cannot start, the files still get analysed, on the main thread. */
  private analyzeQueueInProcess(): void {
    this.fallback ??= inProcessAnalyzer(this.settings);
    const fallback = this.fallback;
    for (const task of this.queue.splice(0)) {
      void fallback.then((analyzer) => analyzer.analyze(task.path)).then(task.resolve);
    }
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (!entry.ready || entry.current) continue;
      const task = this.queue.shift();
      if (!task) return;
      entry.current = task;
      const request: WorkerRequest = { id: task.id, path: task.path };
      entry.worker.postMessage(request);
    }
  }
}
