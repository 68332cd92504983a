// The real-editor end-to-end test: packages the extension, installs the .vsix into code-server
// (VS Code in the browser, running offline from .cache/), opens a copy of the fixture workspace
// in Debian's Chromium through playwright-core, and checks each scenario in the page and on disk.
// Prints `N passed, M failed` last; screenshots and logs go to test-output/e2e/.
//
// Usage: npm run test:e2e            (runs scripts/e2e/setup.sh first)
//        node --import tsx test/e2e/run.ts [--no-build] [--keep-open]
//   --no-build packages dist/ as it is; --keep-open leaves the workbench running afterwards.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import {
  CodeServer,
  createSandbox,
  extensionLogs,
  installExtension,
  languageServerPids,
  ROOT,
  type Sandbox,
} from './host';
import { SCENARIOS, type ScenarioContext } from './scenarios';
import { Workbench } from './workbench';

const OUTPUT = path.join(ROOT, 'test-output/e2e');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGUMENTS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-gpu',
  '--headless',
];

interface Outcome {
  name: string;
  passed: boolean;
  seconds: number;
  error?: string;
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function packageExtension(): string {
  const vsix = path.join(OUTPUT, 'nanguard.vsix');
  const options = process.argv.includes('--no-build') ? ['--no-build'] : [];
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'scripts/package.mjs'), '--out', vsix, ...options],
    {
      cwd: ROOT,
      stdio: ['ignore', fs.openSync(path.join(OUTPUT, 'package.log'), 'w'), 'inherit'],
    },
  );
  return vsix;
}

async function runScenarios(workbench: Workbench, sandbox: Sandbox): Promise<Outcome[]> {
  const context: ScenarioContext = {
    workbench,
    workspace: sandbox.workspace,
    serverPids: () => languageServerPids(sandbox),
  };
  const outcomes: Outcome[] = [];
  for (const scenario of SCENARIOS) {
    const started = Date.now();
    try {
      await scenario.run(context);
      outcomes.push({ name: scenario.name, passed: true, seconds: (Date.now() - started) / 1000 });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await workbench.screenshot(`${scenario.id}-FAILED`).catch(() => undefined);
      outcomes.push({
        name: scenario.name,
        passed: false,
        seconds: (Date.now() - started) / 1000,
        error: message,
      });
    }
    const last = outcomes[outcomes.length - 1];
    console.log(
      `${last.passed ? 'ok' : 'FAILED'} ${scenario.id} ${scenario.name} (${last.seconds.toFixed(1)} s)`,
    );
    if (last.error) console.log(indent(last.error));
  }
  return outcomes;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function copyLogs(sandbox: Sandbox): string[] {
  return extensionLogs(sandbox).map((log) => {
    const target = path.join(OUTPUT, `${path.basename(path.dirname(log))}-${path.basename(log)}`);
    fs.copyFileSync(log, target);
    return target;
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });

  let phase = Date.now();
  const vsix = packageExtension();
  console.log(`packaged ${path.relative(ROOT, vsix)} (${elapsed(phase)})`);

  phase = Date.now();
  const sandbox = createSandbox();
  await installExtension(sandbox, vsix);
  console.log(`installed the extension into code-server (${elapsed(phase)})`);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let outcomes: Outcome[] = [];
  try {
    phase = Date.now();
    server = await CodeServer.start(sandbox, path.join(OUTPUT, 'code-server.log'));
    console.log(`code-server is listening at ${server.url} (${elapsed(phase)})`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGUMENTS,
      headless: true,
      timeout: 60_000,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(30_000);
    const workbench = new Workbench(page, OUTPUT);

    phase = Date.now();
    await workbench.load(server.folderUrl(sandbox.workspace), 'softmax.py');
    await workbench.screenshot('workbench-loaded');
    console.log(`the workbench loaded the workspace (${elapsed(phase)})`);

    outcomes = await runScenarios(workbench, sandbox);
    if (process.argv.includes('--keep-open')) {
      console.log(`--keep-open: the workbench stays at ${server.folderUrl(sandbox.workspace)}`);
      await new Promise(() => undefined);
    }
  } catch (error) {
    console.log(`The test host failed: ${error instanceof Error ? error.stack : String(error)}`);
    outcomes.push({ name: 'test host', passed: false, seconds: 0, error: String(error) });
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    const logs = copyLogs(sandbox);
    fs.rmSync(sandbox.shortDir, { recursive: true, force: true });
    if (outcomes.some((outcome) => !outcome.passed)) {
      for (const log of logs) {
        if (!log.endsWith('NaN Guard.log')) continue;
        console.log(`--- ${path.relative(ROOT, log)} (last 60 lines)`);
        console.log(fs.readFileSync(log, 'utf8').split('\n').slice(-60).join('\n'));
      }
    }
  }

  // A scenario that never ran (the host failed first) counts as failed.
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  const failed = SCENARIOS.length - passed;
  console.log(`total ${elapsed(started)}; screenshots and logs in ${path.relative(ROOT, OUTPUT)}/`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    console.log(`0 passed, ${SCENARIOS.length} failed`);
    process.exit(1);
  },
);
