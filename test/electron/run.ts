// Runs the extension's scenarios inside a real VS Code (Electron) through @vscode/test-electron.
// It downloads VS Code on first use, so it needs internet access; on an offline machine use the
// real-editor test on code-server instead (test/e2e/run.ts, `npm run test:e2e`).
//
// Usage: npm run test:electron     (builds first; VSCODE_VERSION=1.91.0 pins the editor version)

import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT = path.join(ROOT, 'test-output', 'electron');

/** The suite runs inside the extension host, which loads JavaScript: bundle it first. */
async function bundleSuite(): Promise<string> {
  const outfile = path.join(OUTPUT, 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    // The editor provides `vscode`; mocha is loaded from the project's node_modules.
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return outfile;
}

/** A fresh copy of the end-to-end workspace, since the scenarios edit and save its files. */
function copyWorkspace(scratch: string): string {
  const workspace = path.join(scratch, 'workspace');
  fs.cpSync(path.join(ROOT, 'test/fixtures/e2e/workspace'), workspace, { recursive: true });
  return workspace;
}

async function main(): Promise<number> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  if (!fs.existsSync(path.join(ROOT, 'dist', 'client.js'))) {
    throw new Error('dist/client.js is missing: run `npm run build` first.');
  }
  const suite = await bundleSuite();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-electron-'));
  try {
    const workspace = copyWorkspace(scratch);
    return await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { NANGUARD_TEST_WORKSPACE: workspace },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        path.join(scratch, 'user-data'),
      ],
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
