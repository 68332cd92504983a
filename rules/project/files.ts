// Finding the files a scan covers: Python, TypeScript, JavaScript and notebooks below the given
// roots, leaving out what is not the user's own code (.gitignore'd paths, node_modules, virtual
// environments, installed packages, hidden and VCS folders). Problems on the way (a folder that
// cannot be read, a file that vanished, a symlink loop) are reported, never thrown.

import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { t } from '../engine/l10n';
import { globMatches } from './config';

export interface DiscoveryOptions {
  /** Globs relative to each root; a slash-free glob matches a name at any depth. */
  exclude?: string[];
  /**
   * A path left out, with why: `skipped` for what is not the user's source or is gone (a broken
   * link, a loop, a file that vanished), `unreadable` for source that exists but cannot be read.
   */
  onProblem?: (path: string, message: string, kind: ProblemKind) => void;
  /** A further filter, such as the project configuration's `exclude`, asked for every entry. */
  isExcluded?: (path: string, isDirectory: boolean) => boolean;
}

export type ProblemKind = 'skipped' | 'unreadable';

export const DISCOVERED_EXTENSIONS = [
  '.py',
  '.pyi',
  '.ts',
  '.mts',
  '.cts',
  '.tsx',
  '.js',
  '.mjs',
  '.cjs',
  '.jsx',
  '.ipynb',
];

/** Folders that never hold the user's own source, whatever .gitignore says. */
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'site-packages', 'dist-packages']);
const VENV_NAMES = new Set(['venv', '.venv', 'env']);

export function isDiscoverable(filePath: string): boolean {
  return DISCOVERED_EXTENSIONS.includes(path.extname(filePath).toLowerCase());
}

/** The ignore rules of one .gitignore (or .git/info/exclude), relative to its folder. */
interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

/** One folder waiting to be read, with the chain of real paths that led to it. */
interface PendingFolder {
  path: string;
  root: string;
  layers: IgnoreLayer[];
  lineage: Lineage;
}

interface Lineage {
  realPath: string;
  parent: Lineage | null;
}

interface Walk {
  options: DiscoveryOptions;
  seenFiles: Set<string>;
  seenFolders: Set<string>;
}

export async function* discoverFiles(
  roots: string[],
  options: DiscoveryOptions = {},
): AsyncGenerator<string> {
  const walk: Walk = { options, seenFiles: new Set(), seenFolders: new Set() };
  for (const root of roots) {
    const absolute = path.resolve(root);
    const stats = await statOrReport(absolute, walk);
    if (!stats) continue;
    if (stats.isFile()) {
      // A file named on the command line is scanned even when .gitignore leaves it out.
      if (!isDiscoverable(absolute)) {
        report(walk, absolute, t('skipped: not a Python, TypeScript, JavaScript or notebook file'));
      } else if (await firstVisit(absolute, walk.seenFiles)) {
        yield absolute;
      }
      continue;
    }
    if (!stats.isDirectory()) continue;

    const realPath = await realPathOf(absolute);
    if (!realPath || walk.seenFolders.has(realPath)) continue;
    walk.seenFolders.add(realPath);
    const layers = await ancestorLayers(absolute);
    yield* walkFolders(
      { path: absolute, root: absolute, layers, lineage: { realPath, parent: null } },
      walk,
    );
  }
}

/** Depth first, in name order, with an explicit stack: deep trees cannot exhaust the call stack. */
async function* walkFolders(start: PendingFolder, walk: Walk): AsyncGenerator<string> {
  const stack: PendingFolder[] = [start];
  while (stack.length > 0) {
    const folder = stack.pop() as PendingFolder;
    const entries = await readFolder(folder.path, walk);
    if (!entries) continue;
    const layers = await withOwnGitignore(folder, entries, walk);

    const subfolders: PendingFolder[] = [];
    for (const entry of entries) {
      const full = path.join(folder.path, entry.name);
      const kind = await entryKind(entry, full, walk);
      if (kind === 'file') {
        if (!isDiscoverable(full) || isLeftOut(full, false, folder.root, layers, walk)) continue;
        if (await firstVisit(full, walk.seenFiles)) yield full;
      } else if (kind === 'folder') {
        const pending = await enterFolder(full, entry.name, folder, layers, walk);
        if (pending) subfolders.push(pending);
      }
    }
    stack.push(...subfolders.reverse());
  }
}

async function enterFolder(
  full: string,
  name: string,
  parent: PendingFolder,
  layers: IgnoreLayer[],
  walk: Walk,
): Promise<PendingFolder | null> {
  if (name.startsWith('.') || SKIPPED_FOLDERS.has(name)) return null;
  if (isLeftOut(full, true, parent.root, layers, walk)) return null;
  if (await isVirtualEnvironment(full, name)) return null;

  const realPath = await realPathOf(full);
  if (!realPath) {
    report(walk, full, t('skipped: vanished during the scan'));
    return null;
  }
  if (isAncestor(parent.lineage, realPath)) {
    report(walk, full, t('skipped: symlink loop'));
    return null;
  }
  // The same folder reached twice through links is scanned once.
  if (walk.seenFolders.has(realPath)) return null;
  walk.seenFolders.add(realPath);
  return { path: full, root: parent.root, layers, lineage: { realPath, parent: parent.lineage } };
}

function isAncestor(lineage: Lineage | null, realPath: string): boolean {
  for (let link = lineage; link; link = link.parent) {
    if (link.realPath === realPath) return true;
  }
  return false;
}

async function isVirtualEnvironment(folder: string, name: string): Promise<boolean> {
  if (await exists(path.join(folder, 'pyvenv.cfg'))) return true;
  if (!VENV_NAMES.has(name)) return false;
  return (
    (await exists(path.join(folder, 'bin', 'activate'))) ||
    (await exists(path.join(folder, 'Scripts', 'activate')))
  );
}

function isLeftOut(
  full: string,
  isFolder: boolean,
  root: string,
  layers: IgnoreLayer[],
  walk: Walk,
): boolean {
  if (gitIgnores(layers, full, isFolder)) return true;
  const relative = toPosix(path.relative(root, full));
  const exclude = walk.options.exclude ?? [];
  if (exclude.some((glob) => globMatches(glob, relative) || globMatches(glob, `${relative}/`))) {
    return true;
  }
  return walk.options.isExcluded?.(full, isFolder) ?? false;
}

/** The deepest .gitignore that has an opinion decides, as in git. */
function gitIgnores(layers: IgnoreLayer[], full: string, isFolder: boolean): boolean {
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index];
    const relative = toPosix(path.relative(layer.base, full));
    if (!relative || relative.startsWith('..')) continue;
    const verdict = layer.rules.test(isFolder ? `${relative}/` : relative);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/**
 * The .gitignore files above a scan root that still govern it: those between the repository's
 * top (the nearest folder holding `.git`) and the root, with `.git/info/exclude`.
 */
async function ancestorLayers(root: string): Promise<IgnoreLayer[]> {
  const chain: string[] = [];
  let top: string | null = null;
  for (let folder = path.dirname(root); ; folder = path.dirname(folder)) {
    chain.unshift(folder);
    if (await exists(path.join(folder, '.git'))) {
      top = folder;
      break;
    }
    if (path.dirname(folder) === folder) break;
  }
  if (top === null) return [];

  const layers: IgnoreLayer[] = [];
  const exclude = await readLayer(top, path.join(top, '.git', 'info', 'exclude'));
  if (exclude) layers.push(exclude);
  for (const folder of chain) {
    const layer = await readLayer(folder, path.join(folder, '.gitignore'));
    if (layer) layers.push(layer);
  }
  return layers;
}

async function withOwnGitignore(
  folder: PendingFolder,
  entries: fs.Dirent[],
  walk: Walk,
): Promise<IgnoreLayer[]> {
  if (!entries.some((entry) => entry.name === '.gitignore')) return folder.layers;
  const file = path.join(folder.path, '.gitignore');
  const layer = await readLayer(folder.path, file, walk);
  return layer ? [...folder.layers, layer] : folder.layers;
}

async function readLayer(base: string, file: string, walk?: Walk): Promise<IgnoreLayer | null> {
  try {
    const text = await fs.promises.readFile(file, 'utf8');
    return { base, rules: ignore().add(text) };
  } catch (error) {
    if (walk && errorCode(error) !== 'ENOENT') reportError(walk, file, error);
    return null;
  }
}

async function readFolder(folder: string, walk: Walk): Promise<fs.Dirent[] | null> {
  try {
    const entries = await fs.promises.readdir(folder, { withFileTypes: true });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') report(walk, folder, t('skipped: vanished during the scan'));
    else reportError(walk, folder, error);
    return null;
  }
}

/** Follows symbolic links: a link to a file is a file, a dangling link is reported. */
async function entryKind(
  entry: fs.Dirent,
  full: string,
  walk: Walk,
): Promise<'file' | 'folder' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'folder';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const stats = await fs.promises.stat(full);
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') report(walk, full, t('skipped: broken symbolic link'));
    else if (code === 'ELOOP') report(walk, full, t('skipped: symlink loop'));
    else reportError(walk, full, error);
    return 'other';
  }
}

async function statOrReport(full: string, walk: Walk): Promise<fs.Stats | null> {
  try {
    return await fs.promises.stat(full);
  } catch (error) {
    reportError(walk, full, error);
    return null;
  }
}

async function firstVisit(file: string, seen: Set<string>): Promise<boolean> {
  const real = (await realPathOf(file)) ?? file;
  if (seen.has(real)) return false;
  seen.add(real);
  return true;
}

async function realPathOf(full: string): Promise<string | null> {
  try {
    return await fs.promises.realpath(full);
  } catch {
    return null;
  }
}

async function exists(full: string): Promise<boolean> {
  try {
    await fs.promises.access(full);
    return true;
  } catch {
    return false;
  }
}

function report(walk: Walk, full: string, message: string, kind: ProblemKind = 'skipped'): void {
  walk.options.onProblem?.(full, message, kind);
}

/** Reports a failed file-system call; only a missing path or a link loop is a plain skip. */
function reportError(walk: Walk, full: string, error: unknown): void {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ELOOP') {
    report(walk, full, describeError(error));
  } else if (code === 'EACCES' || code === 'EPERM') {
    report(walk, full, t('could not read: permission denied'), 'unreadable');
  } else {
    const message = error instanceof Error ? error.message : String(error);
    report(walk, full, t('could not read: {0}', message.split('\n')[0]), 'unreadable');
  }
}

function errorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/** A one-line reason for a failed file-system call, in the user's language. */
export function describeError(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return t('no such file or directory');
    case 'EACCES':
    case 'EPERM':
      return t('skipped: permission denied');
    case 'ELOOP':
      return t('skipped: symlink loop');
    case 'EISDIR':
      return t('skipped: is a folder');
    default:
      return t('skipped: {0}', error instanceof Error ? error.message : String(error));
  }
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
