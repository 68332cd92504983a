// The editor's incremental analysis gives the findings of a whole-file analysis.
//
// Locality: the findings inside each top-level definition are the same when every definition it
// does not depend on is stubbed, and so are the findings outside all definitions. Every rule
// must keep this (or declare `fileWide` words): it is what lets the editor re-read only the
// definitions an edit changed.
//
// Equivalence: after random edits, `IncrementalAnalyzer` finds what `analyzeTree` finds on the
// same text, with the same fixes, unless the definition being edited does not parse
// (then every finding stays as it was, moved with the text).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Tree } from 'web-tree-sitter';
import { allRules } from '../../rules';
import { analyzeText, analyzeTree, rulesFor } from '../../rules/engine/engine';
import { IncrementalAnalyzer } from '../../rules/engine/incremental';
import { initParsers, languageForPath, parse } from '../../rules/engine/parser';
import { dialectOf } from '../../rules/engine/syntax';
import type { Finding, LanguageId } from '../../rules/engine/types';
import {
  dependencies,
  reachable,
  reducedText,
  splitUnits,
  type Unit,
} from '../../rules/engine/units';
import { generateMlFile } from '../server/support/latency';
import { discoverFixtures } from '../support/fixtures';

interface Sample {
  name: string;
  language: LanguageId;
  text: string;
}

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function samples(): Sample[] {
  const found: Sample[] = discoverFixtures().map((fixture) => ({
    name: `${fixture.code}/${fixture.name}`,
    language: fixture.language,
    text: fs.readFileSync(fixture.sourcePath, 'utf8'),
  }));
  for (const name of fs.readdirSync(EXAMPLES).sort()) {
    const language = languageForPath(name);
    if (language) {
      found.push({ name, language, text: fs.readFileSync(path.join(EXAMPLES, name), 'utf8') });
    }
  }
  found.push({ name: 'generated 400 lines', language: 'python', text: generateMlFile(400) });
  return found;
}

/** A finding as data, with its fixes when asked (reading them builds them). */
function described(finding: Finding, withFixes: boolean): string {
  const { code, range, message, related, severity } = finding;
  const fixes = withFixes ? finding.fixes : [];
  return JSON.stringify([code, range, message, related, severity, fixes]);
}

function describeAll(findings: readonly Finding[], withFixes = true): string[] {
  return findings.map((finding) => described(finding, withFixes)).sort();
}

function unitAt(units: readonly Unit[], line: number): number {
  return units.findIndex((unit) => unit.startRow <= line && line <= unit.endRow);
}

const all = () => ({ rules: allRules, withFixes: true });

describe('incremental analysis', () => {
  let sampled: Sample[] = [];
  before(async () => {
    await initParsers();
    sampled = samples();
  });

  test('each definition finds alone, within the context, what the whole file finds in it', () => {
    let units = 0;
    for (const sample of sampled) {
      const tree = parse(sample.text, sample.language);
      const dialect = dialectOf(sample.language);
      const fileWide = rulesFor(sample.text, sample.language, { rules: allRules }).flatMap(
        (rule) => rule.meta.fileWide ?? [],
      );
      const split = splitUnits(tree, sample.text, dialect, fileWide);
      tree.delete();
      if (!split) continue;
      const whole = analyzeText(sample.text, sample.language, all()).findings;
      // Fixes aside: those of a stubbed text are never offered.
      const within = (findings: Finding[], index: number) =>
        describeAll(
          findings.filter((finding) => unitAt(split.units, finding.range.start.line) === index),
          false,
        );
      const edges = dependencies(split);
      for (let index = -1; index < split.units.length; index++) {
        // The definitions it names are kept whole with it; for the context, also those that
        // spell a name it binds.
        const start = index < 0 ? [...edges.context, ...edges.readers] : [index];
        const read = reachable(start, edges.units);
        const alone = reducedText(sample.text, split.units, (other) => read.has(other), dialect);
        const found = analyzeText(alone, sample.language, all()).findings;
        const what: string =
          index < 0
            ? 'outside definitions'
            : `in the definition at line ${split.units[index].startRow + 1}`;
        assert.deepEqual(within(found, index), within(whole, index), `${sample.name}, ${what}`);
        units++;
      }
    }
    // The samples hold definitions: the property was checked, not skipped.
    assert.ok(units > 300, `${units} definitions checked`);
  });

  test('an edit to a helper re-reads the definitions that call it', () => {
    const sample = sampled.find((candidate) => candidate.name === 'NG801/ok-helper-clip.py');
    assert.ok(sample);
    const analyzer = new IncrementalAnalyzer('python');
    const lazy = { readable: () => true, failed: () => {} };
    const clip = 'torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)';
    const steps = [sample.text, sample.text.replace(clip, 'pass'), sample.text];
    const found: string[][] = [];
    let tree: Tree | null = null;
    try {
      for (const text of steps) {
        const next = parse(text, 'python');
        tree?.delete();
        tree = next;
        const result = analyzer.analyse(tree, text, { rules: allRules, withFixes: lazy });
        assert.equal(result.mode, found.length === 0 ? 'whole' : 'units');
        found.push(
          result.findings.map((finding) => `${finding.range.start.line + 1} ${finding.code}`),
        );
      }
    } finally {
      tree?.delete();
      analyzer.dispose();
    }
    // Without the clip in the helper, the step in `train` is unclipped; with it back, it is not.
    assert.deepEqual(found, [[], ['15 NG801'], []]);
  });

  test('random edits: the incremental findings are those of the whole file', () => {
    const editable = sampled.filter((sample) => {
      const tree = parse(sample.text, sample.language);
      const split = splitUnits(tree, sample.text, dialectOf(sample.language));
      tree.delete();
      return split !== null && split.units.length >= 2;
    });
    const modes = new Map<string, number>();
    // Most edits fall inside a definition's body, as typing does; some anywhere.
    const edit = fc.record({
      unit: fc.option(fc.nat(50), { freq: 4 }),
      at: fc.nat(1_000_000),
      atLineEnd: fc.boolean(),
      removed: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.nat(6) },
      ),
      inserted: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...TYPED) },
        { weight: 1, arbitrary: fc.constantFrom(...BREAKING) },
      ),
    });
    fc.assert(
      fc.property(
        fc.nat(editable.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const sample = editable[which];
          const analyzer = new IncrementalAnalyzer(sample.language);
          let text = sample.text;
          let tree: Tree = parse(text, sample.language);
          const lazy = { readable: () => true, failed: () => {} };
          try {
            let last: Finding[] = analyzer.analyse(tree, text, {
              rules: allRules,
              withFixes: lazy,
            }).findings;
            for (const change of edits) {
              const units = splitUnits(tree, text, dialectOf(sample.language))?.units ?? [];
              const unit = change.unit === null ? undefined : units[change.unit % units.length];
              const [from, to] = unit ? [unit.bodyStart, unit.bodyEnd] : [0, text.length];
              let start = from + (change.at % (to - from + 1));
              // Typing mostly happens at the end of a line.
              if (change.atLineEnd) start = Math.min(to, lineEnd(text, start));
              const end = Math.min(text.length, start + change.removed);
              const next = text.slice(0, start) + change.inserted + text.slice(end);
              tree.edit(editOf(text, next, start, end, change.inserted));
              text = next;
              const reparsed = parse(text, sample.language, tree);
              tree.delete();
              tree = reparsed;
              // As the server does: a definition being edited that does not parse is not read.
              const options = { rules: allRules, withFixes: lazy };
              const result =
                analyzer.analyseEditing(text, () => tree, options) ??
                analyzer.analyse(tree, text, options);
              modes.set(result.mode, (modes.get(result.mode) ?? 0) + 1);
              if (result.mode === 'edited') {
                assert.ok(tree.rootNode.hasError, 'edited mode is for syntax errors only');
                // What it shows was found in the last version read, moved with the text.
                const shown = new Set(last.map((finding) => `${finding.code} ${finding.message}`));
                assert.ok(result.findings.length <= last.length);
                for (const finding of result.findings) {
                  assert.ok(shown.has(`${finding.code} ${finding.message}`));
                }
                continue;
              }
              last = result.findings;
              const incremental = describeAll(result.findings);
              const whole = analyzeTree(tree, text, sample.language, all()).findings;
              assert.deepEqual(incremental, describeAll(whole), `${sample.name} after editing`);
            }
          } finally {
            tree.delete();
            analyzer.dispose();
          }
        },
      ),
      { numRuns: 150 },
    );
    // The incremental paths were taken, not only whole reads: of about 620 analyses, runs give
    // 95–125 in units mode (an edit that breaks a definition makes it context, and the edits
    // after it inside that definition are whole reads or edited mode), and 165–190 edited.
    assert.ok((modes.get('units') ?? 0) > 60, JSON.stringify([...modes]));
    assert.ok((modes.get('edited') ?? 0) > 20, JSON.stringify([...modes]));
  });
});

/** Typed text and hazards. */
const TYPED = [
  '',
  'x',
  ' ',
  '\n',
  '0',
  ' / x.sum()',
  '\n    y = np.exp(x) / np.exp(x).sum()\n',
  '\n    return torch.log(torch.softmax(x, dim=-1))\n',
  '\ndef helper(x):\n    return np.log(x)\n',
  '\nimport torch\n',
  '\n  const y = tf.exp(x).div(tf.exp(x).sum());\n',
];

/** Characters that break syntax, as half-typed code does. */
const BREAKING = ['(', ')', ':', '"', '#', 'np.exp(', '{', '}'];

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

function editOf(before: string, after: string, start: number, end: number, inserted: string) {
  const point = (text: string, index: number) => {
    const lines = text.slice(0, index).split('\n');
    return { row: lines.length - 1, column: lines[lines.length - 1].length };
  };
  return {
    startIndex: start,
    oldEndIndex: end,
    newEndIndex: start + inserted.length,
    startPosition: point(before, start),
    oldEndPosition: point(before, end),
    newEndPosition: point(after, start + inserted.length),
  };
}
