// `--format sarif`: a SARIF 2.1.0 log, the format code-scanning services ingest. Every rule is
// described in the tool's driver (its help is the rule's docs page), each finding is a result
// pointing at its rule by index, with its related locations and its preferred fix. Files that
// were skipped are listed as tool notifications so that a reader of the log knows they were not
// checked.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import packageJson from '../../package.json';
import { allRules } from '../../rules';
import { t } from '../../rules/engine/l10n';
import type { Rule, Severity } from '../../rules/engine/types';
import type { FileResult, Place, ReportedFinding } from '../results';
import { displayPath } from './paths';

const LEVELS: Record<Severity, Sarif.ReportingConfiguration.level> = {
  error: 'error',
  warning: 'warning',
  information: 'note',
  hint: 'note',
};

const ROOT_ID = 'SRCROOT';

export function formatSarif(results: FileResult[], cwd: string): string {
  const rules = allRules;
  const ruleIndex = new Map(rules.map((rule, index) => [rule.meta.code, index]));
  const docs = findDocsFolder();

  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'NaN Guard',
        version: packageJson.version,
        semanticVersion: packageJson.version,
        rules: rules.map((rule) => describeRule(rule, docs)),
      },
    },
    originalUriBaseIds: { [ROOT_ID]: { uri: pathToFileURL(`${cwd}${path.sep}`).href } },
    columnKind: 'utf16CodeUnits',
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: results.flatMap((result) => notifications(result, cwd)),
      },
    ],
    results: results.flatMap((result) =>
      result.findings.map((finding) => toResult(result, finding, cwd, ruleIndex)),
    ),
  };
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [run],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function describeRule(rule: Rule, docs: string | null): Sarif.ReportingDescriptor {
  const { meta } = rule;
  const page = docs ? readDocsPage(docs, `${meta.code}-${meta.name}.md`) : null;
  const help = page ?? t(meta.explanation);
  return {
    id: meta.code,
    name: meta.name,
    shortDescription: { text: t(meta.summary) },
    fullDescription: { text: t(meta.explanation) },
    help: { text: help, markdown: help },
    defaultConfiguration: { level: LEVELS[meta.severity] },
    properties: { tags: [meta.family], fixSafety: meta.fixSafety },
  };
}

/** docs/rules beside the bundle's folder (dist/) or the source tree (cli/formats/). */
function findDocsFolder(): string | null {
  for (let folder = __dirname, level = 0; level < 4; level++, folder = path.dirname(folder)) {
    const candidate = path.join(folder, 'docs', 'rules');
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

function readDocsPage(docs: string, file: string): string | null {
  try {
    return fs.readFileSync(path.join(docs, file), 'utf8');
  } catch {
    return null;
  }
}

function artifactLocation(filePath: string, cwd: string): Sarif.ArtifactLocation {
  const relative = displayPath(cwd, filePath);
  return { uri: relative.split('/').map(encodeURIComponent).join('/'), uriBaseId: ROOT_ID };
}

/**
 * A region of the file as stored. A notebook's place counts lines within its cell: the region
 * is the lines of the .ipynb that hold those source lines, without columns, which inside a JSON
 * string would not match the code's.
 */
function region(place: Place): Sarif.Region {
  if (place.cell !== undefined) {
    if (place.fileLine === undefined) return {};
    return { startLine: place.fileLine, endLine: place.fileEndLine ?? place.fileLine };
  }
  return {
    startLine: place.line,
    startColumn: place.column,
    endLine: place.endLine,
    endColumn: place.endColumn,
  };
}

/** Where a notebook place is in its cell, which the region of the file cannot say. */
function cellProperties(place: Place): Sarif.PropertyBag | undefined {
  if (place.cell === undefined) return undefined;
  return { cell: place.cell, cellLine: place.line, cellColumn: place.column };
}

function physicalLocation(filePath: string, cwd: string, place: Place): Sarif.PhysicalLocation {
  const location: Sarif.PhysicalLocation = { artifactLocation: artifactLocation(filePath, cwd) };
  const where = region(place);
  if (where.startLine !== undefined) location.region = where;
  const properties = cellProperties(place);
  if (properties) location.properties = properties;
  return location;
}

function toResult(
  result: FileResult,
  finding: ReportedFinding,
  cwd: string,
  ruleIndex: Map<string, number>,
): Sarif.Result {
  const sarifResult: Sarif.Result = {
    ruleId: finding.code,
    ruleIndex: ruleIndex.get(finding.code) ?? -1,
    level: LEVELS[finding.severity],
    message: { text: finding.message },
    locations: [{ physicalLocation: physicalLocation(result.path, cwd, finding.place) }],
  };
  if (finding.related.length > 0) {
    sarifResult.relatedLocations = finding.related.map((related, index) => ({
      id: index,
      physicalLocation: physicalLocation(result.path, cwd, related.place),
      message: { text: related.message },
    }));
  }
  // A notebook finding's region is in the .ipynb's own lines and its cell is named in properties;
  // it carries no fix, since its edits are to the cell's source, not to the file's text.
  if (finding.place.cell !== undefined) {
    sarifResult.properties = { cell: finding.place.cell };
  } else if (finding.fix) {
    sarifResult.fixes = [
      {
        description: { text: finding.fix.title },
        artifactChanges: [
          {
            artifactLocation: artifactLocation(result.path, cwd),
            replacements: finding.fix.edits.map((edit) => ({
              deletedRegion: region(edit),
              insertedContent: { text: edit.newText },
            })),
          },
        ],
      },
    ];
  }
  return sarifResult;
}

function notifications(result: FileResult, cwd: string): Sarif.Notification[] {
  return result.notes
    .filter((note) => note.kind !== 'note')
    .map((note) => ({
      level: note.kind === 'error' ? 'error' : 'warning',
      message: { text: note.message },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(result.path, cwd) } }],
    }));
}
