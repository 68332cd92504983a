// Reading and running the rule fixtures in test/fixtures/rules/<CODE>/.
//
//   <name>.<ext>           source code (Python, TypeScript, JavaScript)
//   <name>.expected        the findings of <CODE> it must produce, one `line:col CODE` per line
//                          (1-based); a file without one must produce none of <CODE>
//   <name>.fixed.<ext>     the text after applying the first fix of every <CODE> finding
//
// A regression fixture starts with a comment naming the report it comes from.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../rules';
import { applyEditGroups } from '../../rules/engine/edits';
import { analyzeText } from '../../rules/engine/engine';
import { languageForPath } from '../../rules/engine/parser';
import type { Finding, LanguageId } from '../../rules/engine/types';

export const FIXTURE_ROOT = path.join(__dirname, '..', 'fixtures', 'rules');

export interface RuleFixture {
  code: string;
  name: string;
  sourcePath: string;
  language: LanguageId;
  expectedPath: string;
  fixedPath: string | null;
}

export function discoverFixtures(): RuleFixture[] {
  const fixtures: RuleFixture[] = [];
  for (const code of fs.readdirSync(FIXTURE_ROOT).sort()) {
    const directory = path.join(FIXTURE_ROOT, code);
    if (!fs.statSync(directory).isDirectory()) continue;
    for (const file of fs.readdirSync(directory).sort()) {
      const language = languageForPath(file);
      if (!language || /\.fixed\.[^.]+$/.test(file)) continue;
      const extension = path.extname(file);
      const name = file.slice(0, -extension.length);
      const fixedPath = path.join(directory, `${name}.fixed${extension}`);
      fixtures.push({
        code,
        name: file,
        sourcePath: path.join(directory, file),
        language,
        expectedPath: path.join(directory, `${name}.expected`),
        fixedPath: fs.existsSync(fixedPath) ? fixedPath : null,
      });
    }
  }
  return fixtures;
}

/** `line:col CODE` lines of the findings of one code, 1-based as editors show them. */
export function describeFindings(findings: Finding[], code: string): string[] {
  return findings
    .filter((finding) => finding.code === code)
    .map(
      (finding) =>
        `${finding.range.start.line + 1}:${finding.range.start.character + 1} ${finding.code}`,
    );
}

export function readExpected(fixture: RuleFixture): string[] {
  if (!fs.existsSync(fixture.expectedPath)) return [];
  return fs
    .readFileSync(fixture.expectedPath, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * Applies the first fix of every finding of `code` (of every code when none is given, safe and
 * unsafe alike: what `nanguard check --unsafe-fixes` writes), re-analysing between rounds until
 * nothing more applies (edits that overlap wait for the next round).
 */
export function applyFirstFixes(text: string, language: LanguageId, code?: string): string {
  let current = text;
  for (let round = 0; round < 5; round++) {
    const findings = analyzeText(current, language, { rules: allRules }).findings.filter(
      (finding) => (code === undefined || finding.code === code) && finding.fixes.length > 0,
    );
    if (findings.length === 0) break;
    const result = applyEditGroups(
      current,
      findings.map((finding) => finding.fixes[0].edits),
    );
    if (result.text === current) break;
    current = result.text;
  }
  return current;
}
