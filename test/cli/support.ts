// Running the built `nanguard` command as a user would, on throw-away folders.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(PROJECT_ROOT, 'bin', 'nanguard.js');

/** A hand-written softmax that NG101 flags at 4:12, with a safe fix. */
export const NAIVE_SOFTMAX = [
  'import numpy as np',
  '',
  'def probabilities(x):',
  '    return np.exp(x) / np.sum(np.exp(x))',
  '',
].join('\n');

export const CLEAN_SOURCE = 'import numpy as np\n\ndef total(x):\n    return np.sum(x)\n';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', LANG: 'C', LC_ALL: '', LC_MESSAGES: '', ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh folder holding the given files (relative path → content). */
export function makeProject(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nanguard-cli-'));
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(root, relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return root;
}

export function removeProject(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

/** `path:line:col: CODE` of every finding line of the text format. */
export function findingLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /: NG\d{3} /.test(line))
    .map((line) => line.replace(/^(.*?: NG\d{3}) .*$/, '$1'));
}

/** A notebook in Jupyter's own layout: one-space indentation, sources as lists of lines. */
export function notebookJson(cells: { kind: 'code' | 'markdown'; source: string }[]): string {
  const lines = (source: string): string[] => source.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const document = {
    cells: cells.map((cell) =>
      cell.kind === 'code'
        ? {
            cell_type: 'code',
            execution_count: null,
            metadata: {},
            outputs: [],
            source: lines(cell.source),
          }
        : { cell_type: 'markdown', metadata: {}, source: lines(cell.source) },
    ),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(document, null, 1)}\n`;
}
