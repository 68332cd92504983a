// The live "scanned 120 of 900 files" line on stderr. Only on an interactive terminal outside CI:
// in a log file, carriage returns would leave hundreds of partial lines.

import { t } from '../rules/engine/l10n';

export class Progress {
  private readonly enabled: boolean;
  private shown = false;
  private lastDraw = 0;

  constructor(wanted: boolean) {
    this.enabled = wanted && process.stderr.isTTY === true && !process.env.CI;
  }

  update(done: number, found: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < found) return;
    this.lastDraw = now;
    process.stderr.write(`\r\x1b[K${t('scanned {0} of {1} files', done, found)}`);
    this.shown = true;
  }

  /** Writes a whole line, first wiping the progress line so the two do not mix. */
  write(text: string): void {
    this.clear();
    process.stderr.write(text);
  }

  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
