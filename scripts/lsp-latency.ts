// Prints the editor latency of the built language server: start to ready, edit to diagnostics in
// a 5,000-line Python file (p50/p95/max), and code actions. Build first:
//
//   npm run build && node --import tsx scripts/lsp-latency.ts [--lines 5000] [--edits 100]

import { measureLspLatency } from '../test/server/support/latency';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

measureLspLatency({ lines: option('lines', 5000), edits: option('edits', 100) }).then(
  (figures) => console.log(JSON.stringify(figures, null, 2)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
