// Localisation of every user-facing string, through @vscode/l10n. English strings are the keys;
// each part of the project keeps its Japanese translations beside its code in `l10n.ja.json`
// files (one per rule family, one for the server, one for the CLI). The build merges them into
// `dist/l10n/bundle.l10n.ja.json`; run from source, the files are read and merged directly.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';

export { t } from '@vscode/l10n';

export type DisplayLanguage = 'en' | 'ja';

/** Folders (relative to the project root) that hold `l10n.ja.json` files, searched recursively. */
export const TRANSLATION_ROOTS = ['rules', 'server', 'cli'];

/** `ja`, `ja-JP`, `ja_JP.UTF-8` → `ja`; anything else → `en`. */
export function displayLanguageOf(locale: string | undefined | null): DisplayLanguage {
  return locale && /^ja\b|^ja[-_]/i.test(locale) ? 'ja' : 'en';
}

/** Every Japanese translation, merged, from the bundle beside the bundled code or from source. */
export function japaneseTranslations(): Record<string, string> {
  const bundled = path.join(__dirname, 'l10n', 'bundle.l10n.ja.json');
  if (fs.existsSync(bundled)) return JSON.parse(fs.readFileSync(bundled, 'utf8'));
  const root = path.resolve(__dirname, '..', '..');
  return mergeTranslationFiles(root);
}

export function mergeTranslationFiles(root: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const folder of TRANSLATION_ROOTS) {
    for (const file of findTranslationFiles(path.join(root, folder))) {
      Object.assign(merged, JSON.parse(fs.readFileSync(file, 'utf8')));
    }
  }
  return merged;
}

function findTranslationFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...findTranslationFiles(full));
    else if (entry.name === 'l10n.ja.json') found.push(full);
  }
  return found.sort();
}

/** Switches every later `t()` call of this process to a language. */
export function useLanguage(language: DisplayLanguage): void {
  l10n.config({ contents: language === 'ja' ? japaneseTranslations() : {} });
}
