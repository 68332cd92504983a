// Properties of the engine and of every fix, checked on the rule fixtures and on random mutations
// of them: the engine never throws and no rule fails, whatever the text; every finding and every
// edit lies inside the document; each fix applies whole, leaves no more syntax errors than
// before, removes its finding, and applying the fixes of a code twice changes nothing; in a
// CRLF file, fixes write CRLF.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Tree } from 'web-tree-sitter';
import { allRules } from '../../rules';
import { applyEditGroups, offsetAt } from '../../rules/engine/edits';
import { type Analysis, analyzeText } from '../../rules/engine/engine';
import { computeLineStarts } from '../../rules/engine/model';
import { initParsers, parse } from '../../rules/engine/parser';
import type { Finding, Fix, LanguageId, Range } from '../../rules/engine/types';
import { applyFirstFixes, discoverFixtures } from '../support/fixtures';
import { assertTriggersHideNothing } from '../support/triggers';

interface Sample {
  name: string;
  language: LanguageId;
  text: string;
}

const fixtures = discoverFixtures();

const samples: Sample[] = fixtures.map((fixture) => ({
  name: `${fixture.code}/${fixture.name}`,
  language: fixture.language,
  text: fs.readFileSync(fixture.sourcePath, 'utf8'),
}));

/** Runs per property; tuned so that the whole file stays within about 30 seconds. */
const RUNS = 500;

// ---- Mutations ----

type Mutation =
  | { kind: 'delete-token' | 'duplicate-token' | 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'swap-lines'; at: number; other: number };

const SNIPPETS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  '.',
  '\n',
  '\r\n',
  '    ',
  '\t',
  '"',
  "'",
  '"""',
  '`',
  '${',
  '#',
  '//',
  '/*',
  '\\',
  '/',
  '=',
  '==',
  '=>',
  ' lambda ',
  'def ',
  'function ',
  'np.exp(',
  'torch.log(',
  'Math.exp(',
  '.sum()',
  ' / ',
  ' ** ',
  '1e-8',
  '-1e9',
  'NaN',
  'import numpy as np\n',
  'import * as tf from "@tensorflow/tfjs";\n',
  '# nanguard: ignore[NG1',
  '\uD800',
  '😀',
  '\u0000',
];

const insertedText = fc.oneof(
  fc.constantFrom(...SNIPPETS),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete-token' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-token' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insertedText }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
);

/** Words, runs of spaces and single other characters: the tokens that mutations act on. */
function tokensOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu) ?? [];
}

function mutate(text: string, change: Mutation): string {
  switch (change.kind) {
    case 'delete-token':
    case 'duplicate-token': {
      const tokens = tokensOf(text);
      if (tokens.length === 0) return text;
      const index = change.at % tokens.length;
      if (change.kind === 'delete-token') tokens.splice(index, 1);
      else tokens.splice(index, 0, tokens[index]);
      return tokens.join('');
    }
    case 'truncate':
      return text.slice(0, change.at % (text.length + 1));
    case 'insert': {
      const at = change.at % (text.length + 1);
      return text.slice(0, at) + change.text + text.slice(at);
    }
    case 'swap-lines': {
      const lines = text.split('\n');
      const a = change.at % lines.length;
      const b = change.other % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
  }
}

// ---- Checks ----

function analyzeOrExplain(text: string, language: LanguageId): Analysis {
  const analysis = analyzeText(text, language, { rules: allRules });
  const failures = analysis.failures.map(
    ({ code, error }) => `${code}: ${(error as Error)?.stack ?? String(error)}`,
  );
  assert.deepEqual(failures, [], `a rule threw on:\n${JSON.stringify(text)}`);
  return analysis;
}

function rangeInside(range: Range, lineLengths: number[]): boolean {
  const inside = (line: number, character: number) =>
    line >= 0 && line < lineLengths.length && character >= 0 && character <= lineLengths[line];
  const ordered =
    range.start.line < range.end.line ||
    (range.start.line === range.end.line && range.start.character <= range.end.character);
  return (
    ordered &&
    inside(range.start.line, range.start.character) &&
    inside(range.end.line, range.end.character)
  );
}

function lineLengthsOf(text: string): number[] {
  const starts = computeLineStarts(text);
  return starts.map((start, line) => {
    const next = line + 1 < starts.length ? starts[line + 1] : text.length;
    return text.slice(start, next).replace(/\r?\n$|\r$/, '').length;
  });
}

function assertWellFormed(analysis: Analysis, text: string): void {
  const lengths = lineLengthsOf(text);
  for (const finding of analysis.findings) {
    const where = `${finding.code} at ${JSON.stringify(finding.range)} in:\n${JSON.stringify(text)}`;
    assert.ok(rangeInside(finding.range, lengths), `finding outside the document: ${where}`);
    for (const fix of finding.fixes) {
      for (const edit of fix.edits) {
        assert.ok(rangeInside(edit.range, lengths), `edit of "${fix.title}" outside: ${where}`);
      }
    }
  }
}

/** ERROR and MISSING nodes: the syntax errors tree-sitter recovered from. */
function syntaxErrorCount(tree: Tree): number {
  let count = 0;
  const cursor = tree.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) count++;
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return count;
      }
    }
  } finally {
    cursor.delete();
  }
}

function syntaxErrorsIn(text: string, language: LanguageId): number {
  const tree = parse(text, language);
  try {
    return syntaxErrorCount(tree);
  } finally {
    tree.delete();
  }
}

/**
 * Where the start of `finding` lies after `fix`: the replacement text, when the start was inside
 * a replaced range; otherwise the start itself, moved by the edits before it.
 */
function placeAfterFix(text: string, finding: Finding, fix: Fix): { from: number; to: number } {
  const starts = computeLineStarts(text);
  const spans = fix.edits.map((edit) => ({
    start: offsetAt(starts, text, edit.range.start),
    end: offsetAt(starts, text, edit.range.end),
    length: edit.newText.length,
  }));
  const shiftAt = (offset: number) =>
    spans
      .filter((span) => span.end <= offset)
      .reduce((shift, span) => shift + span.length - (span.end - span.start), 0);
  const offset = offsetAt(starts, text, finding.range.start);
  const around = spans.find((span) => span.start <= offset && offset < span.end);
  if (around) {
    const from = around.start + shiftAt(around.start);
    return { from, to: from + around.length };
  }
  return { from: offset + shiftAt(offset), to: offset + shiftAt(offset) };
}

function offsetOf(text: string, finding: Finding): number {
  return offsetAt(computeLineStarts(text), text, finding.range.start);
}

describe('engine properties', () => {
  before(() => initParsers());

  test('mutated fixtures: the engine never throws, no rule fails, ranges stay in the text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (sample, changes) => {
          const text = changes.reduce(mutate, sample.text);
          assertWellFormed(analyzeOrExplain(text, sample.language), text);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  test('mutated fixtures: trigger words never hide a finding', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (sample, changes) => {
          assertTriggersHideNothing(changes.reduce(mutate, sample.text), sample.language);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('random token soup in every language: the engine never throws', () => {
    const languages: LanguageId[] = ['python', 'typescript', 'tsx', 'javascript'];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 4 })), {
          maxLength: 60,
        }),
        fc.constantFrom(...languages),
        (pieces, language) => {
          const text = pieces.join('');
          assertWellFormed(analyzeOrExplain(text, language), text);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('mutation helpers do what they say', () => {
    assert.equal(mutate('a = b(c)', { kind: 'delete-token', at: 4 }), 'a = (c)');
    assert.equal(mutate('a = b', { kind: 'duplicate-token', at: 0 }), 'aa = b');
    assert.equal(mutate('abc', { kind: 'truncate', at: 2 }), 'ab');
    assert.equal(mutate('ab', { kind: 'insert', at: 1, text: 'X' }), 'aXb');
    assert.equal(mutate('1\n2\n3', { kind: 'swap-lines', at: 0, other: 2 }), '3\n2\n1');
  });
});

describe('fix properties on every fixture', () => {
  before(() => initParsers());

  for (const sample of samples) {
    test(sample.name, () => {
      const analysis = analyzeOrExplain(sample.text, sample.language);
      assertWellFormed(analysis, sample.text);
      const fixable = analysis.findings.filter((finding) => finding.fixes.length > 0);
      if (fixable.length === 0) return;
      const errorsBefore = syntaxErrorsIn(sample.text, sample.language);

      for (const finding of fixable) {
        finding.fixes.forEach((fix, index) => {
          const label = `${finding.code} at ${finding.range.start.line + 1}:${
            finding.range.start.character + 1
          }, fix #${index + 1} "${fix.title}"`;
          const result = applyEditGroups(sample.text, [fix.edits]);
          assert.equal(result.applied, 1, `${label}: its own edits overlap`);
          const after = result.text;
          assert.ok(
            syntaxErrorsIn(after, sample.language) <= errorsBefore,
            `${label} adds syntax errors:\n${after}`,
          );
          const place = placeAfterFix(sample.text, finding, fix);
          const still = analyzeOrExplain(after, sample.language).findings.filter((other) => {
            if (other.code !== finding.code) return false;
            const offset = offsetOf(after, other);
            return place.from <= offset && offset <= place.to;
          });
          assert.deepEqual(
            still.map((other) => other.range.start),
            [],
            `${label} is still flagged at that place:\n${after}`,
          );
        });
      }

      for (const code of new Set(fixable.map((finding) => finding.code))) {
        const once = applyFirstFixes(sample.text, sample.language, code);
        const twice = applyFirstFixes(once, sample.language, code);
        assert.equal(twice, once, `applying the ${code} fixes a second time changes the text`);
      }
    });
  }
});

describe('fixes keep the line endings of the file', () => {
  before(() => initParsers());

  for (const fixture of fixtures.filter((candidate) => candidate.fixedPath)) {
    test(`${fixture.code}/${fixture.name} with CRLF line endings`, () => {
      const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');
      const fixed = applyFirstFixes(
        crlf(fs.readFileSync(fixture.sourcePath, 'utf8')),
        fixture.language,
        fixture.code,
      );
      assert.ok(!/[^\r]\n/.test(fixed), `a fix wrote a bare LF into a CRLF file:\n${fixed}`);
      assert.equal(fixed, crlf(fs.readFileSync(fixture.fixedPath!, 'utf8')));
    });
  }
});
