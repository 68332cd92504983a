// Bundles the extension client, the language server and the CLI with esbuild, and copies what
// they load at run time (tree-sitter's runtime and grammars, translation bundles) into dist/.
// The packaged extension carries no node_modules and no native module.

import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');

const entryPoints = {
  client: 'client/extension.ts',
  server: 'server/server.ts',
  cli: 'cli/main.ts',
  worker: 'cli/worker.ts',
  scanWorker: 'server/scanWorker.ts',
};

const wasmFiles = [
  'web-tree-sitter/tree-sitter.wasm',
  'tree-sitter-python/tree-sitter-python.wasm',
  'tree-sitter-typescript/tree-sitter-typescript.wasm',
  'tree-sitter-typescript/tree-sitter-tsx.wasm',
  'tree-sitter-javascript/tree-sitter-javascript.wasm',
];

function copyRuntimeFiles() {
  for (const file of wasmFiles) {
    fs.copyFileSync(require.resolve(file), path.join(dist, path.basename(file)));
  }
}

const existing = Object.fromEntries(
  Object.entries(entryPoints).filter(([, file]) => fs.existsSync(path.join(root, file))),
);

/** Merges every `l10n.ja.json` beside the code into the one bundle the bundled code reads. */
function writeTranslationBundle() {
  const merged = {};
  const visit = (directory) => {
    if (!fs.existsSync(directory)) return;
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name === 'l10n.ja.json')
        Object.assign(merged, JSON.parse(fs.readFileSync(full, 'utf8')));
    }
  };
  for (const folder of ['rules', 'server', 'cli']) visit(path.join(root, folder));
  fs.mkdirSync(path.join(dist, 'l10n'), { recursive: true });
  fs.writeFileSync(
    path.join(dist, 'l10n', 'bundle.l10n.ja.json'),
    JSON.stringify(merged, null, 2) + '\n',
  );
}

fs.mkdirSync(dist, { recursive: true });
copyRuntimeFiles();
writeTranslationBundle();

const options = {
  absWorkingDir: root,
  entryPoints: existing,
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
  // web-tree-sitter finds its runtime through import.meta.url, which a CommonJS bundle lacks:
  // stand in the bundle's own URL, so the .wasm files beside it in dist/ are found.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
