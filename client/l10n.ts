// Localisation of the client's own messages. The manifest's titles and descriptions use
// package.nls.*.json; the strings built at run time go through `t()`, with the Japanese
// translations in l10n.ja.json beside this file, bundled into the client by the build.

import * as l10n from '@vscode/l10n';
import japanese from './l10n.ja.json';

export { t } from '@vscode/l10n';

/** Switches the client's messages to VS Code's display language (`ja`, `ja-JP` → Japanese). */
export function useDisplayLanguage(language: string): void {
  const isJapanese = /^ja(\b|[-_])/i.test(language);
  l10n.config({ contents: isJapanese ? japanese : {} });
}
