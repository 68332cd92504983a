// Tree-sitter parsers for Python, TypeScript, TSX and JavaScript. The WebAssembly runtime and the
// grammars load once per process; a parser per language is created once and reused.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import type { LanguageId } from './types';

const GRAMMAR_FILES: Record<LanguageId, { packageName: string; file: string }> = {
  python: { packageName: 'tree-sitter-python', file: 'tree-sitter-python.wasm' },
  typescript: { packageName: 'tree-sitter-typescript', file: 'tree-sitter-typescript.wasm' },
  tsx: { packageName: 'tree-sitter-typescript', file: 'tree-sitter-tsx.wasm' },
  javascript: { packageName: 'tree-sitter-javascript', file: 'tree-sitter-javascript.wasm' },
};

const EXTENSION_LANGUAGES: Record<string, LanguageId> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
};

/** VS Code's language ids mapped to the grammar that parses them. */
const EDITOR_LANGUAGES: Record<string, LanguageId> = {
  python: 'python',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'javascript',
  javascriptreact: 'javascript',
};

export function languageForPath(filePath: string): LanguageId | null {
  return EXTENSION_LANGUAGES[path.extname(filePath).toLowerCase()] ?? null;
}

export function languageForEditorId(languageId: string): LanguageId | null {
  return EDITOR_LANGUAGES[languageId] ?? null;
}

export const SOURCE_EXTENSIONS = Object.keys(EXTENSION_LANGUAGES);

/**
 * Finds a `.wasm` file: beside the bundle (`dist/`, where the build copies them) when running
 * bundled, or in `node_modules` when running from source.
 */
function locateWasm(packageName: string, file: string): string {
  const bundled = path.join(__dirname, file);
  if (fs.existsSync(bundled)) return bundled;
  return require.resolve(`${packageName}/${file}`);
}

let runtime: Promise<void> | null = null;
const languages = new Map<LanguageId, Promise<Language>>();
const parsers = new Map<LanguageId, Parser>();

function initRuntime(): Promise<void> {
  runtime ??= Parser.init({
    locateFile: (name: string) => locateWasm('web-tree-sitter', name),
  });
  return runtime;
}

async function loadLanguage(language: LanguageId): Promise<Language> {
  await initRuntime();
  let loading = languages.get(language);
  if (!loading) {
    // A grammar that failed to load stays failed: the files do not come back by themselves.
    loading = loadGrammarFile(language);
    languages.set(language, loading);
  }
  return loading;
}

async function loadGrammarFile(language: LanguageId): Promise<Language> {
  const { packageName, file } = GRAMMAR_FILES[language];
  let location = path.join(__dirname, file);
  try {
    location = locateWasm(packageName, file);
    return await Language.load(location);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`Could not load the ${language} grammar (${location}): ${reason}`, {
      cause: error,
    });
  }
}

/** Loads the runtime and every grammar; afterwards `parse` is synchronous. */
export async function initParsers(only?: LanguageId[]): Promise<void> {
  const wanted = only ?? (Object.keys(GRAMMAR_FILES) as LanguageId[]);
  await initRuntime();
  await Promise.all(
    wanted.map(async (language) => {
      const grammar = await loadLanguage(language);
      if (parsers.has(language)) return;
      const parser = new Parser();
      parser.setLanguage(grammar);
      parsers.set(language, parser);
    }),
  );
}

/** Whether `parse` can read this language now, without waiting for `initParsers`. */
export function isParserLoaded(language: LanguageId): boolean {
  return parsers.has(language);
}

/**
 * Parses `text`. With `previous` (a tree already edited with `Tree.edit`), tree-sitter reuses
 * the unchanged parts. Throws when `initParsers` has not loaded the language.
 */
export function parse(text: string, language: LanguageId, previous?: Tree | null): Tree {
  const parser = parsers.get(language);
  if (!parser) throw new Error(`Parser for ${language} is not loaded; call initParsers() first.`);
  const tree = parser.parse(text, previous ?? null);
  if (!tree) throw new Error(`tree-sitter returned no tree for a ${language} document.`);
  return tree;
}
