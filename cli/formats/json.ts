// `--format json`: one object per finding, positions 1-based, with the preferred fix's edits.

import type { FileResult, Place, ReportedFinding } from '../results';
import { displayPath } from './paths';

export interface JsonEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
  cell?: number;
}

export interface JsonFinding {
  path: string;
  cell?: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  name: string;
  severity: string;
  message: string;
  fix: { safe: boolean; title: string; edits: JsonEdit[] } | null;
}

function position(place: Place): Omit<JsonEdit, 'newText'> {
  const shown = {
    line: place.line,
    column: place.column,
    endLine: place.endLine,
    endColumn: place.endColumn,
  };
  return place.cell === undefined ? shown : { ...shown, cell: place.cell };
}

function toJson(shownPath: string, finding: ReportedFinding): JsonFinding {
  const { cell, ...range } = position(finding.place);
  return {
    path: shownPath,
    ...(cell === undefined ? {} : { cell }),
    ...range,
    code: finding.code,
    name: finding.name,
    severity: finding.severity,
    message: finding.message,
    fix: finding.fix
      ? {
          safe: finding.fix.safe,
          title: finding.fix.title,
          edits: finding.fix.edits.map((edit) => ({ ...position(edit), newText: edit.newText })),
        }
      : null,
  };
}

export function formatJson(results: FileResult[], cwd: string): string {
  const findings = results.flatMap((result) =>
    result.findings.map((finding) => toJson(displayPath(cwd, result.path), finding)),
  );
  return `${JSON.stringify(findings, null, 2)}\n`;
}
