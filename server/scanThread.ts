// The thread that analyses the files of a workspace scan, one at a time. Its heap is capped so
// that a scan of a large workspace does not swell the server: V8 collects a capped heap early
// instead of growing it, and a thread that still runs out stops alone. Its file is then tried
// once more in a thread with room to spare, and the scan goes on. Where no thread can start
// (the bundled script is missing, as when running from source), files are analysed in place.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { t } from '../rules/engine/l10n';
import type { Logger } from './logger';
import { analyseFileOnDisk, type FileOutcome } from './scanFile';
import type { ScanThreadData, ScanThreadMessage, ScanThreadRequest } from './scanWorker';

/**
 * The scan thread's heap. Analysing one file of ordinary code needs a few MB of live data; the
 * rest of a heap is garbage waiting for a collection, and a small heap is collected sooner.
 */
export const SCAN_THREAD_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 48,
  maxYoungGenerationSizeMb: 8,
};

/** For the one file that did not fit: the largest file a scan reads is 2 MB. */
export const ROOMY_THREAD_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 1024,
  maxYoungGenerationSizeMb: 32,
};

export interface FileAnalyser {
  analyse(filePath: string): Promise<FileOutcome>;
  /** Stops the thread; a file being analysed gets no answer. */
  close(): Promise<void>;
}

/** The bundled thread script sits beside the bundled server. */
export function scanThreadScript(): string | null {
  const candidate = path.join(__dirname, 'scanWorker.js');
  return fs.existsSync(candidate) ? candidate : null;
}

export interface ThreadOptions {
  /** The thread's script; default: the bundled one, and none (analysis in place) from source. */
  script?: string | null;
  limits?: ResourceLimits;
}

export function createFileAnalyser(
  data: ScanThreadData,
  log: Logger,
  options: ThreadOptions = {},
): FileAnalyser {
  const script = options.script === undefined ? scanThreadScript() : options.script;
  if (!script) return inPlace(data, log);
  return new ThreadAnalyser(script, data, log, options.limits ?? SCAN_THREAD_LIMITS);
}

function inPlace(data: ScanThreadData, log: Logger): FileAnalyser {
  return {
    analyse: (filePath) => analyseFileOnDisk(filePath, data.settings, log),
    close: async () => {},
  };
}

interface Pending {
  id: number;
  resolve: (outcome: FileOutcome) => void;
}

/** One live thread; `run` sends a file and waits for its answer or the thread's end. */
class ScanThread {
  private readonly worker: Worker | null;
  private readonly ready: Promise<boolean>;
  private pending: Pending | null = null;
  private nextId = 0;
  private ended: string | null = null;

  constructor(script: string, data: ScanThreadData, limits: ResourceLimits, log: Logger) {
    let worker: Worker | null = null;
    try {
      worker = new Worker(script, { workerData: data, resourceLimits: limits });
    } catch (error) {
      // No thread to be had (a process or thread limit): said at once, not as an event.
      this.ended = describe(error as Error);
    }
    this.worker = worker;
    this.ready = new Promise((resolve) => {
      if (!worker) {
        resolve(false);
        return;
      }
      worker.on('message', (message: ScanThreadMessage) => {
        if ('ready' in message) resolve(true);
        else if ('log' in message) log[message.log](message.message);
        else if ('ruleFailure' in message) {
          const { code, file, detail } = message.ruleFailure;
          log.ruleFailure(code, file, detail);
        } else if (this.pending?.id === message.id) this.settle(message.outcome);
      });
      const end = (reason: string) => {
        this.ended ??= reason;
        resolve(false);
        this.settle(null);
      };
      worker.on('error', (error) => end(describe(error)));
      worker.on('exit', (code) => end(t('the scan thread stopped (exit code {0})', code)));
    });
  }

  /** Null when the thread could not start. */
  get startFailure(): Promise<string | null> {
    return this.ready.then((ok) => (ok ? null : (this.ended ?? 'unknown')));
  }

  /** The file's outcome, or null when the thread ended before answering (see `endReason`). */
  async run(filePath: string): Promise<FileOutcome | null> {
    if (!(await this.ready) || this.ended) return null;
    return new Promise((resolve) => {
      this.pending = { id: this.nextId++, resolve };
      const request: ScanThreadRequest = { id: this.pending.id, path: filePath };
      this.worker?.postMessage(request);
    });
  }

  get endReason(): string | null {
    return this.ended;
  }

  async stop(): Promise<void> {
    this.ended ??= 'stopped';
    await this.worker?.terminate();
  }

  private settle(outcome: FileOutcome | null): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) pending.resolve(outcome as FileOutcome);
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return t('out of memory');
  return error.message;
}

class ThreadAnalyser implements FileAnalyser {
  private thread: ScanThread | null = null;
  private inPlaceFallback: FileAnalyser | null = null;
  private closed = false;

  constructor(
    private readonly script: string,
    private readonly data: ScanThreadData,
    private readonly log: Logger,
    private readonly limits: ResourceLimits,
  ) {}

  async analyse(filePath: string): Promise<FileOutcome> {
    if (this.inPlaceFallback) return this.inPlaceFallback.analyse(filePath);
    const thread = await this.liveThread();
    if (!thread) return this.analyse(filePath);
    const outcome = await thread.run(filePath);
    if (outcome) return outcome;
    if (this.closed) return { kind: 'skipped', reason: t('the scan was stopped') };

    // The thread ended on this file, most likely out of memory: once more, with room.
    const reason = thread.endReason ?? 'unknown';
    this.thread = null;
    this.log.warn(`The scan thread stopped on ${filePath} (${reason}); trying it once more.`);
    const roomy = new ScanThread(this.script, this.data, ROOMY_THREAD_LIMITS, this.log);
    try {
      const retried = await roomy.run(filePath);
      if (retried) return retried;
      return { kind: 'skipped', reason: t('the analysis stopped: {0}', roomy.endReason ?? reason) };
    } finally {
      await roomy.stop();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.stop();
    this.thread = null;
  }

  /** The current thread, started when needed; null after switching to in-place analysis. */
  private async liveThread(): Promise<ScanThread | null> {
    if (this.thread && !this.thread.endReason) return this.thread;
    const thread = new ScanThread(this.script, this.data, this.limits, this.log);
    const failure = await thread.startFailure;
    if (failure) {
      this.log.warn(`The scan thread could not start (${failure}); scanning on the server itself.`);
      this.inPlaceFallback = inPlace(this.data, this.log);
      return null;
    }
    this.thread = thread;
    return thread;
  }
}
