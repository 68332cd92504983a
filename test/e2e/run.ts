// The real-editor end-to-end test: packages the extension, installs the .vsix into code-server
// (VS Code in the browser, running offline from .cache/), opens a copy of the fixture workspace
// in Debian's Chromium through playwright-core, and checks each scenario in the page and on disk.
// A second session repeats the essentials with Japanese as VS Code's display language.
// Prints `N passed, M failed` last; screenshots and logs go to test-output/e2e/.
//
// Usage: npm run test:e2e            (runs scripts/e2e/setup.sh first)
//        node --import tsx test/e2e/run.ts [--no-build] [--keep-open]
//        node --import tsx test/e2e/run.ts --vsix <file>
//   --no-build packages dist/ as it is; --keep-open leaves the workbench running afterwards;
//   --vsix installs an extension packaged beforehand instead of packaging one.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import {
  CodeServer,
  createSandbox,
  extensionLogs,
  installExtension,
  installJapaneseLanguagePack,
  LANGUAGE_PACK_FIXTURE,
  languageServerPids,
  NODE24,
  ROOT,
  type Sandbox,
} from './host';
import { SCENARIO_COUNT, SESSIONS, type ScenarioContext, type Session } from './scenarios';
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
  const given = process.argv.indexOf('--vsix');
  if (given > 0) return path.resolve(process.argv[given + 1]);
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

/** Packages the empty Japanese language pack fixture with the same vsce. */
function packageLanguagePack(): string {
  const vsix = path.join(OUTPUT, 'language-pack-ja.vsix');
  const vsce = path.join(ROOT, '.cache/vsce/node_modules/@vscode/vsce/vsce');
  execFileSync(
    NODE24,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix],
    { cwd: LANGUAGE_PACK_FIXTURE, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return vsix;
}

async function runScenarios(
  session: Session,
  workbench: Workbench,
  sandbox: Sandbox,
): Promise<Outcome[]> {
  const context: ScenarioContext = {
    workbench,
    workspace: sandbox.workspace,
    serverPids: () => languageServerPids(sandbox),
  };
  const outcomes: Outcome[] = [];
  for (const scenario of session.scenarios) {
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

function copyLogs(sandbox: Sandbox, folder: string): string[] {
  return extensionLogs(sandbox).map((log) => {
    const target = path.join(folder, `${path.basename(path.dirname(log))}-${path.basename(log)}`);
    fs.copyFileSync(log, target);
    return target;
  });
}

interface Packages {
  extension: string;
  languagePack: string;
}

/**
 * One code-server session: a fresh sandbox with the extension installed, the workbench on the
 * copied workspace, the session's scenarios in order. code-server is stopped whatever happens.
 */
async function runSession(session: Session, packages: Packages): Promise<Outcome[]> {
  const output = path.join(OUTPUT, session.name);
  fs.mkdirSync(output, { recursive: true });
  console.log(`session ${session.name} (display language ${session.locale})`);

  let phase = Date.now();
  const sandbox = createSandbox(session.name);
  await installExtension(sandbox, packages.extension);
  if (session.locale === 'ja') await installJapaneseLanguagePack(sandbox, packages.languagePack);
  console.log(`installed the extension into code-server (${elapsed(phase)})`);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let outcomes: Outcome[] = [];
  try {
    phase = Date.now();
    const locale = session.locale === 'en' ? [] : ['--locale', session.locale];
    server = await CodeServer.start(sandbox, path.join(output, 'code-server.log'), locale);
    console.log(`code-server is listening at ${server.url} (${elapsed(phase)})`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGUMENTS,
      headless: true,
      timeout: 60_000,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(30_000);
    const workbench = new Workbench(page, output);

    phase = Date.now();
    await workbench.load(server.folderUrl(sandbox.workspace), 'softmax.py');
    await workbench.screenshot('workbench-loaded');
    console.log(`the workbench loaded the workspace (${elapsed(phase)})`);

    outcomes = await runScenarios(session, workbench, sandbox);
    if (process.argv.includes('--keep-open')) {
      console.log(`--keep-open: the workbench stays at ${server.folderUrl(sandbox.workspace)}`);
      await new Promise(() => undefined);
    }
  } catch (error) {
    console.log(`The test host failed: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    const logs = copyLogs(sandbox, output);
    fs.rmSync(sandbox.shortDir, { recursive: true, force: true });
    if (outcomes.length < session.scenarios.length || outcomes.some((each) => !each.passed)) {
      for (const log of logs.filter((file) => file.endsWith('NaN Guard.log'))) {
        console.log(`--- ${path.relative(ROOT, log)} (last 60 lines)`);
        console.log(fs.readFileSync(log, 'utf8').split('\n').slice(-60).join('\n'));
      }
    }
  }
  return outcomes;
}

async function main(): Promise<number> {
  const started = Date.now();
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });

  const phase = Date.now();
  const packages = { extension: packageExtension(), languagePack: packageLanguagePack() };
  console.log(`packaged ${path.relative(ROOT, packages.extension)} (${elapsed(phase)})`);

  const outcomes: Outcome[] = [];
  for (const session of SESSIONS) outcomes.push(...(await runSession(session, packages)));

  // A scenario that never ran (its session's host failed first) counts as failed.
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  const failed = SCENARIO_COUNT - passed;
  console.log(`total ${elapsed(started)}; screenshots and logs in ${path.relative(ROOT, OUTPUT)}/`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    console.log(`0 passed, ${SCENARIO_COUNT} failed`);
    process.exit(1);
  },
);
