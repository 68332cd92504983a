// Jupyter notebooks in the editor. The code cells of one notebook are joined in order (an import
// in cell 1 serves cell 5) and analysed together; each finding, with its fixes, is mapped back to
// the cell it is in. A fix edits only that cell: an import it needs goes there, after its magics.

import {
  NotebookCellKind,
  type NotebookDocument,
  type NotebookDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, Fix, TextEdit } from '../rules/engine/types';
import {
  importLineOfCell,
  isImportInsertion,
  joinCells,
  type JoinedNotebook,
  type NotebookCell,
} from '../rules/project/notebook';

export interface NotebookCellText {
  uri: string;
  version: number;
  /** The cell's position among every cell of the notebook. */
  index: number;
  text: string;
}

/** The Python code cells of a notebook, in order, with their current text. */
export function codeCellsOf(
  notebook: NotebookDocument,
  notebooks: NotebookDocuments<TextDocument>,
): NotebookCellText[] {
  const cells: NotebookCellText[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.kind !== NotebookCellKind.Code) return;
    const document = notebooks.getCellTextDocument(cell);
    if (!document || document.languageId !== 'python') return;
    cells.push({ uri: cell.document, version: document.version, index, text: document.getText() });
  });
  return cells;
}

/** Joins the cells, with `replaced` standing in for one cell's text (for fix-all rounds). */
export function joinNotebook(
  cells: NotebookCellText[],
  replaced?: { index: number; text: string },
): JoinedNotebook {
  const sources: NotebookCell[] = cells.map((cell) => ({
    index: cell.index,
    kind: 'code',
    source: replaced && replaced.index === cell.index ? replaced.text : cell.text,
  }));
  return joinCells(sources);
}

/**
 * The findings of one cell, in the cell's coordinates. Related locations in other cells are left
 * out (a location carries no cell), and so are fixes that cannot be confined to the cell.
 */
export function findingsOfCell(
  findings: Finding[],
  joined: JoinedNotebook,
  cellIndex: number,
  cellText: string,
): Finding[] {
  const result: Finding[] = [];
  for (const finding of findings) {
    const mapped = joined.toCell(finding.range);
    if (!mapped || mapped.cell !== cellIndex) continue;
    result.push({
      ...finding,
      range: mapped.range,
      related: finding.related.flatMap((related) => {
        const location = joined.toCell(related.range);
        return location && location.cell === cellIndex
          ? [{ range: location.range, message: related.message }]
          : [];
      }),
      fixes: finding.fixes.flatMap((fix) => {
        const confined = confineFix(fix, joined, cellIndex, cellText);
        return confined ? [confined] : [];
      }),
    });
  }
  return result;
}

function confineFix(
  fix: Fix,
  joined: JoinedNotebook,
  cellIndex: number,
  cellText: string,
): Fix | null {
  const edits: TextEdit[] = [];
  for (const edit of fix.edits) {
    const mapped = joined.toCell(edit.range);
    if (isImportInsertion(edit)) {
      // An import goes into the cell being fixed, after its magics and shell commands: the
      // import block of another cell may run before `!pip install` or after this cell.
      const top = { line: importLineOfCell(cellText), character: 0 };
      edits.push({ range: { start: top, end: top }, newText: edit.newText });
    } else if (mapped && mapped.cell === cellIndex) {
      edits.push({ range: mapped.range, newText: edit.newText });
    } else {
      return null;
    }
  }
  return { ...fix, edits };
}
