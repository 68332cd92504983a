// Drives the VS Code workbench in the browser the way a user does: keyboard shortcuts, the
// command palette, the Problems panel. Every wait polls the page for a condition.

import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Generous: the first diagnostics wait for the extension host and the server to start. */
export const LONG_WAIT_MS = 60_000;
export const SHORT_WAIT_MS = 20_000;

/** Polls `condition` until it returns a truthy value, and returns that value. */
export async function poll<T>(
  description: string,
  condition: () => Promise<T | undefined | null | false>,
  timeoutMs = SHORT_WAIT_MS,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
}

/** The part of a DOM element the line reader needs; the project compiles without the DOM types. */
interface PositionedElement {
  style: { top: string };
}

/** Editor text uses non-breaking spaces for indentation; tests compare plain text. */
function plainText(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

export class Workbench {
  private screenshotCount = 0;

  constructor(
    readonly page: Page,
    private readonly screenshotFolder: string,
  ) {}

  /** Loads the workbench for a folder and waits for its explorer to list the files. */
  async load(url: string, expectedFile: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: LONG_WAIT_MS });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: LONG_WAIT_MS });
    await this.page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: expectedFile })
      .first()
      .waitFor({ timeout: LONG_WAIT_MS });
  }

  async screenshot(name: string): Promise<string> {
    this.screenshotCount += 1;
    const file = path.join(
      this.screenshotFolder,
      `${String(this.screenshotCount).padStart(2, '0')}-${name}.png`,
    );
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command by its palette label, such as "NaN Guard: Scan Workspace". */
  async runCommand(label: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${label}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Picks a workspace file in Quick Open (Ctrl+P) and waits for its tab to be active. */
  private async quickOpen(relativePath: string): Promise<void> {
    const name = path.basename(relativePath);
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(relativePath);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await this.page.locator('.tab.active', { hasText: name }).waitFor();
  }

  /** Opens a workspace file through Quick Open and waits for its tab to be active. */
  async openFile(relativePath: string): Promise<void> {
    await this.quickOpen(relativePath);
    await this.activeEditor().locator('.view-lines').waitFor();
    await this.focusEditor();
  }

  /** Gives the keyboard to the active editor, as clicking into its text would. */
  async focusEditor(): Promise<void> {
    const hasFocus = () =>
      this.activeEditor().evaluate((editor) => editor.classList.contains('focused'));
    if (await hasFocus()) return;
    await this.runCommand('View: Focus Active Editor Group');
    await poll('the editor to have the keyboard focus', hasFocus);
  }

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  async editorText(): Promise<string> {
    return this.textOf(this.activeEditor());
  }

  /** The text a code editor shows, line by line in screen order. */
  async textOf(editor: Locator): Promise<string> {
    const lines = editor.locator('.view-lines .view-line');
    const texts = await lines.evaluateAll((elements) =>
      elements
        .map((element) => ({
          top: Number.parseFloat((element as unknown as PositionedElement).style.top || '0'),
          text: element.textContent ?? '',
        }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text),
    );
    return plainText(texts.join('\n'));
  }

  /** Squiggles of one severity in the active editor. */
  squiggles(severity: Severity): Locator {
    return squigglesIn(this.activeEditor(), severity);
  }

  /**
   * Opens a notebook through Quick Open in the built-in notebook editor and waits until it shows
   * `cellCount` cells, the code cells with their editors.
   */
  async openNotebook(relativePath: string, cellCount: number): Promise<void> {
    await this.quickOpen(relativePath);
    await this.notebookCell(cellCount - 1).waitFor({ timeout: LONG_WAIT_MS });
    await poll(`the notebook to show ${cellCount} cells`, async () => {
      const cells = await this.notebookCells().count();
      return cells === cellCount;
    });
  }

  /** The rows of the visible notebook editor's cell list. */
  notebookCells(): Locator {
    // The notebook editor is laid over the editor group rather than inside it, and hidden
    // notebook editors stay in the page: the visible one is the active notebook.
    const notebook = '.notebook-editor:visible';
    return this.page.locator(
      `${notebook} .monaco-list-row.code-cell-row, ${notebook} .monaco-list-row.markdown-cell-row`,
    );
  }

  /** One cell of the active notebook, by its 0-based position. */
  notebookCell(index: number): Locator {
    return this.notebookCells().and(this.page.locator(`[data-index="${index}"]`));
  }

  /** The code editor of a code cell of the active notebook. */
  cellEditor(index: number): Locator {
    return this.notebookCell(index).locator('.cell-editor-container .monaco-editor').first();
  }

  /** Squiggles of one severity in a code cell of the active notebook. */
  cellSquiggles(index: number, severity: Severity): Locator {
    return squigglesIn(this.cellEditor(index), severity);
  }

  /** Clicks into a squiggle, as a user does, and waits until its cell editor has the keyboard. */
  async clickInto(squiggle: Locator, editor: Locator): Promise<void> {
    const box = await squiggle.boundingBox();
    if (!box) throw new Error('the squiggle is not on screen');
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 - 2);
    await poll('the cell editor to have the keyboard focus', () =>
      editor.evaluate((element) => element.classList.contains('focused')),
    );
  }

  /** Moves the cursor with "Go to Line/Column". */
  async goTo(line: number, column: number): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Opens the quick-fix menu at a position with Ctrl+. and picks the action whose title matches. */
  async applyQuickFix(line: number, column: number, title: RegExp): Promise<string[]> {
    await this.goTo(line, column);
    return this.pickCodeAction(title);
  }

  /**
   * Opens the quick-fix menu with Ctrl+. where the cursor is, picks the action whose title
   * matches, and returns every title the menu offered.
   */
  async pickCodeAction(title: RegExp): Promise<string[]> {
    await this.page.keyboard.press('Control+.');
    const rows = this.page.locator('.action-widget .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: SHORT_WAIT_MS });
    const titles = await poll('code actions in the quick-fix menu', async () => {
      const texts = (await rows.allInnerTexts()).map((text) => text.trim()).filter(Boolean);
      return texts.some((text) => title.test(text)) ? texts : undefined;
    });
    await this.screenshot('quick-fix-menu');
    await rows.filter({ hasText: title }).first().click();
    await rows.first().waitFor({ state: 'hidden' });
    return titles;
  }

  /**
   * Presses Ctrl+. where the cursor is and returns the titles the quick-fix menu offers, or none
   * when the editor answers "No code actions available"; the menu is closed again.
   */
  async codeActionsAtCursor(): Promise<string[]> {
    await this.page.keyboard.press('Control+.');
    const rows = this.page.locator('.action-widget .monaco-list-row');
    const noActions = this.page.locator('.monaco-editor-overlaymessage:visible');
    const titles = await poll('the quick-fix menu or its "no code actions" message', async () => {
      if (await noActions.count()) return { titles: [] as string[] };
      const texts = (await rows.allInnerTexts()).map((text) => text.trim()).filter(Boolean);
      return texts.length > 0 ? { titles: texts } : undefined;
    });
    await this.screenshot('code-actions-at-cursor');
    await this.page.keyboard.press('Escape');
    return titles.titles;
  }

  /** Saves the active editor and waits until its tab is no longer dirty. */
  async save(): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+S');
    await poll('the saved tab to lose its dirty mark', async () => {
      return (await this.page.locator('.tab.active.dirty').count()) === 0;
    });
  }

  /**
   * The problems the Problems panel lists for files whose name contains `fileName` (all files
   * when empty). The panel's filter box narrows the list, so no row is left out of the
   * virtualised tree.
   */
  async problems(fileName = ''): Promise<Problem[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await panel.waitFor({ state: 'visible' });
    }
    const filterBox = this.page.locator('.part.panel .viewpane-filter input:visible').first();
    if ((await filterBox.inputValue()) !== fileName) await filterBox.fill(fileName);

    // The filter applies after a short delay; until then rows of other files remain.
    return poll(`the Problems panel filtered by "${fileName}"`, async () => {
      const problems = await this.readProblems(panel);
      const filtered = problems.every((problem) => path.basename(problem.file).includes(fileName));
      return filtered ? problems : undefined;
    });
  }

  /**
   * Empties the filter box of the panel's visible view. The Output view takes over the filter
   * text the Problems view was last given, which would hide every log line.
   */
  async clearPanelFilter(): Promise<void> {
    const filterBox = this.page.locator('.part.panel .viewpane-filter input:visible').first();
    if ((await filterBox.inputValue()) !== '') await filterBox.fill('');
  }

  private async readProblems(panel: Locator): Promise<Problem[]> {
    const rows = await panel.locator('.monaco-list-row').evaluateAll((elements) =>
      elements.map((element) => ({
        level: element.getAttribute('aria-level') ?? '',
        label: element.getAttribute('aria-label') ?? '',
        text: element.textContent ?? '',
        path: element.querySelector('.monaco-icon-label')?.getAttribute('aria-label') ?? '',
        icon: element.querySelector('.marker-icon')?.className ?? '',
      })),
    );
    return readProblemRows(rows);
  }

  /** Clicks a finding of the Problems panel, which reveals its place in the editor. */
  async openProblem(code: string): Promise<void> {
    await this.page
      .locator('.markers-panel .monaco-list-row[aria-level="2"]', { hasText: code })
      .first()
      .click();
  }

  /** Points the mouse at the middle of an element, as a user does to see its hover. */
  async hover(target: Locator, expected: RegExp): Promise<string> {
    const box = await target.boundingBox();
    if (!box) throw new Error('the hover target is not on screen');
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 2);
    return poll(`a hover matching ${expected}`, async () => {
      const hovers = await this.page.locator('.monaco-hover:visible').allInnerTexts();
      return hovers.find((text) => expected.test(text));
    });
  }

  /** Texts of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast').allInnerTexts();
  }
}

type Severity = 'error' | 'warning' | 'info' | 'hint';

function squigglesIn(editor: Locator, severity: Severity): Locator {
  const kind = severity === 'hint' ? 'squiggly-hint' : `squiggly-${severity}`;
  return editor.locator(`.view-overlays .${kind}, .view-overlays [class*="${kind}"]`);
}

export interface Problem {
  /** The file's absolute path. */
  file: string;
  /** What the file's row reads, such as "probabilities.ipynb · Cell 3 /tmp/…" for a cell. */
  resource: string;
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
  source: string;
  code: string;
  line: number;
  column: number;
}

interface ProblemRow {
  level: string;
  label: string;
  text: string;
  path: string;
  icon: string;
}

/**
 * Reads the Problems tree: a file row (level 1) is followed by its markers (level 2), each
 * followed by its related locations (level 3, ignored here). A marker row reads
 * "message · source(CODE) [Ln 5, Col 12]".
 */
function readProblemRows(rows: ProblemRow[]): Problem[] {
  const problems: Problem[] = [];
  let file = '';
  let resource = '';
  for (const row of rows) {
    if (row.level === '1') {
      file = row.path;
      resource = `${row.label} | ${row.text}`;
    }
    if (row.level !== '2') continue;
    const position = /\[Ln (\d+), Col (\d+)\]\s*$/.exec(row.text);
    const origin = /(\w*?)\(?([A-Z]+\d+)\)?\[Ln \d+, Col \d+\]\s*$/.exec(row.text);
    const severity = (['error', 'warning', 'info'] as const).find((name) =>
      row.icon.split(/\s+/).includes(name),
    );
    problems.push({
      file,
      resource,
      severity: severity ?? 'unknown',
      message: row.label.replace(/^\w+: /, '').replace(/ at line \d+ and character \d+\..*$/, ''),
      source: origin?.[1] ?? '',
      code: origin?.[2] ?? '',
      line: Number(position?.[1] ?? 0),
      column: Number(position?.[2] ?? 0),
    });
  }
  return problems;
}
