// Bad input for the engine: broken and half-typed code, pathological nesting, very large files,
// binary garbage, lone surrogates, CRLF line endings and non-ASCII text. None of it may crash
// the engine or a rule, and positions must stay right.

import * as assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { allRules } from '../../rules';
import {
  type Analysis,
  analyzeText,
  analyzeTree,
  type RuleFailure,
} from '../../rules/engine/engine';
import { initParsers, parse } from '../../rules/engine/parser';
import type { LanguageId, Rule } from '../../rules/engine/types';
import { applyFirstFixes } from '../support/fixtures';

const DEPTH = 3000;
const NAIVE_SOFTMAX = 'np.exp(x) / np.sum(np.exp(x))';

function analyze(text: string, language: LanguageId): Analysis {
  const analysis = analyzeText(text, language, { rules: allRules });
  const failures = analysis.failures.map(
    ({ code, error }) => `${code}: ${(error as Error)?.stack ?? String(error)}`,
  );
  assert.deepEqual(failures, [], 'no rule may throw');
  return analysis;
}

/** `line:col CODE` (1-based) of one code's findings, as the fixtures write them. */
function positions(analysis: Analysis, code: string): string[] {
  return analysis.findings
    .filter((finding) => finding.code === code)
    .map(({ range }) => `${range.start.line + 1}:${range.start.character + 1} ${code}`);
}

/** A deterministic stream of bytes, so that a failure can be reproduced from the seed. */
function pseudoRandomBytes(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

describe('engine on bad input', () => {
  before(() => initParsers());

  describe('syntax errors and half-typed code', () => {
    test('Python: the functions that parse are still checked', () => {
      const text = [
        'import numpy as np',
        '',
        'def good(x):',
        `    return ${NAIVE_SOFTMAX}`,
        '',
        'def broken(:',
        '    y = np.exp(',
        '',
        'def later(x):',
        '    z = np.exp(x) / np.exp(x).sum()',
        '    return z',
        '',
      ].join('\n');
      const analysis = analyze(text, 'python');
      assert.equal(analysis.hasSyntaxErrors, true);
      assert.deepEqual(positions(analysis, 'NG101'), ['4:12 NG101', '10:9 NG101']);
    });

    test('TypeScript: an unclosed call before a hazard leaves the hazard flagged', () => {
      const text = [
        'const broken = Math.max(1, ',
        '',
        'export function check(y: number): boolean {',
        '  return y === NaN;',
        '}',
        '',
      ].join('\n');
      const analysis = analyze(text, 'typescript');
      assert.equal(analysis.hasSyntaxErrors, true);
      assert.deepEqual(positions(analysis, 'NG701'), ['4:10 NG701']);
    });

    test('every prefix of a flagged file analyses without failure', () => {
      const text = `import numpy as np\n\n\ndef softmax(x):\n    return ${NAIVE_SOFTMAX}\n`;
      for (let end = 0; end <= text.length; end++) analyze(text.slice(0, end), 'python');
      const ts = 'export const f = (xs: number[]) => xs.map((v) => Math.exp(v) === NaN);\n';
      for (let end = 0; end <= ts.length; end++) analyze(ts.slice(0, end), 'typescript');
    });
  });

  describe(`${DEPTH}-deep nesting does not exhaust the stack`, () => {
    const shapes: [string, LanguageId, string][] = [
      ['parentheses', 'python', `${'('.repeat(DEPTH)}x${')'.repeat(DEPTH)}`],
      ['nested lists', 'python', `${'['.repeat(DEPTH)}x${']'.repeat(DEPTH)}`],
      ['nested calls', 'python', `${'f('.repeat(DEPTH)}x${')'.repeat(DEPTH)}`],
      ['nested exp calls', 'python', `${'np.exp('.repeat(DEPTH)}x${')'.repeat(DEPTH)}`],
      ['a long chain of operators', 'python', Array(DEPTH).fill('x').join(' + ')],
      ['parentheses', 'typescript', `${'('.repeat(DEPTH)}x${')'.repeat(DEPTH)}`],
      ['nested arrays', 'typescript', `${'['.repeat(DEPTH)}x${']'.repeat(DEPTH)}`],
      ['nested Math.exp calls', 'typescript', `${'Math.exp('.repeat(DEPTH)}x${')'.repeat(DEPTH)}`],
      ['a long chain of operators', 'typescript', Array(DEPTH).fill('x').join(' + ')],
    ];
    for (const [shape, language, expression] of shapes) {
      test(`${language}: ${shape}`, () => {
        const text =
          language === 'python'
            ? `import numpy as np\ny = ${expression}\n`
            : `const y = ${expression};\n`;
        const analysis = analyze(text, language);
        assert.equal(analysis.hasSyntaxErrors, false);
      });
    }

    test('a hazard at the bottom of the nesting is found', () => {
      const text = `import numpy as np\ny = ${'f('.repeat(DEPTH)}${NAIVE_SOFTMAX}${')'.repeat(DEPTH)}\n`;
      assert.deepEqual(positions(analyze(text, 'python'), 'NG101'), [`2:${5 + 2 * DEPTH} NG101`]);
    });

    test('nested blocks: functions inside functions', () => {
      // Python's own parser stops at 100 nested blocks; tree-sitter goes on, and so must we.
      const depth = 500;
      const lines = ['import numpy as np'];
      for (let level = 0; level < depth; level++) {
        lines.push(`${'  '.repeat(level)}def f${level}(x):`);
      }
      lines.push(`${'  '.repeat(depth)}return ${NAIVE_SOFTMAX}`);
      const analysis = analyze(`${lines.join('\n')}\n`, 'python');
      assert.deepEqual(positions(analysis, 'NG101'), [`${depth + 2}:${2 * depth + 8} NG101`]);
    });
  });

  test('a 10 MB Python file analyses without crash, every hazard found', () => {
    // Files this large are generated: layers of code between long embedded constants.
    const code = [
      'def layer_{n}(x, w, b):',
      '    """One dense layer with a softmax written by hand."""',
      '    z = x @ w + b',
      `    probabilities = np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)`,
      '    return probabilities',
      '',
      '',
      'class Model_{n}:',
      '    def forward(self, x):',
      '        for step in range(10):',
      '            x = np.tanh(x @ self.weights) + 0.5 * x',
      '        return x',
      '',
      '',
    ].join('\n');
    const constant = `BLOB_{n}_{k} = "${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(6)}"\n`;
    const parts: string[] = ['import numpy as np\n\n\n'];
    let size = parts[0].length;
    let layers = 0;
    for (let n = 0; size < 10 * 1024 * 1024; n++) {
      const layer = code.replaceAll('{n}', String(n));
      const constants = Array.from({ length: 400 }, (_, k) =>
        constant.replace('{n}', String(n)).replace('{k}', String(k)),
      ).join('');
      parts.push(layer, constants, '\n\n');
      size += layer.length + constants.length + 2;
      layers++;
    }
    const text = parts.join('');
    assert.ok(text.length >= 10 * 1024 * 1024);
    const analysis = analyze(text, 'python');
    assert.equal(analysis.hasSyntaxErrors, false);
    assert.equal(positions(analysis, 'NG101').length, layers);
  });

  describe('binary garbage and broken text', () => {
    const languages: LanguageId[] = ['python', 'typescript', 'tsx', 'javascript'];
    for (const seed of [1, 2, 3, 4]) {
      test(`random bytes (seed ${seed}) read as UTF-8 and as Latin-1`, () => {
        const bytes = pseudoRandomBytes(seed, 16 * 1024);
        const asUtf8 = new TextDecoder('utf-8').decode(bytes);
        const asLatin1 = new TextDecoder('latin1').decode(bytes);
        for (const language of languages) {
          analyze(asUtf8, language);
          analyze(asLatin1, language);
        }
      });
    }

    test('NUL bytes and control characters around a hazard', () => {
      const text = `import numpy as np\n\u0000\u0001\u0007\n\ny = ${NAIVE_SOFTMAX}\n\u0000`;
      analyze(text, 'python');
    });

    test('lone surrogates in strings, comments and identifiers', () => {
      const python = [
        'import numpy as np',
        's = "\uD800 half a pair"  # \uDFFF',
        '\uD83D = 1',
        `y = ${NAIVE_SOFTMAX}`,
        '',
      ].join('\n');
      assert.deepEqual(positions(analyze(python, 'python'), 'NG101'), ['4:5 NG101']);
      const ts = 'const s = "\uDC00"; // \uD800\nconst y = Math.exp(1) === NaN;\n';
      assert.deepEqual(positions(analyze(ts, 'typescript'), 'NG701'), ['2:11 NG701']);
    });
  });

  describe('line endings and non-ASCII text', () => {
    const lines = [
      'import numpy as np',
      '',
      '',
      'def softmax(x):',
      `    return ${NAIVE_SOFTMAX}`,
      '',
    ];

    test('CRLF and CR line endings give the same positions as LF', () => {
      const expected = positions(analyze(lines.join('\n'), 'python'), 'NG101');
      assert.deepEqual(expected, ['5:12 NG101']);
      assert.deepEqual(positions(analyze(lines.join('\r\n'), 'python'), 'NG101'), expected);
      assert.deepEqual(positions(analyze(lines.join('\r'), 'python'), 'NG101'), expected);
    });

    test('a fix in a CRLF file keeps CRLF line endings', () => {
      const fixed = applyFirstFixes(lines.join('\r\n'), 'python', 'NG101');
      assert.notEqual(fixed, lines.join('\r\n'));
      assert.equal(fixed.replace(/\r\n/g, ''), fixed.replace(/\r\n/g, '').replace(/[\r\n]/g, ''));
      const fixedLf = applyFirstFixes(lines.join('\n'), 'python', 'NG101');
      assert.equal(fixed, fixedLf.replace(/\n/g, '\r\n'));
    });

    test('an import added after a last line with no line break goes on a line of its own', () => {
      // The file ends in its import statement, so "the line after the last import" does not exist.
      const text = `def f(x):\n    return ${NAIVE_SOFTMAX}\nimport numpy as np`;
      const fixed = applyFirstFixes(text, 'python', 'NG101');
      assert.notEqual(fixed, text);
      assert.match(fixed, /\nimport numpy as np\n(from \S+ )?import \S+$/);
    });

    test('columns count UTF-16 code units after non-ASCII identifiers and strings', () => {
      const line =
        's = "日本語😀"; ロジット = load(s); y = np.exp(ロジット) / np.sum(np.exp(ロジット))';
      const analysis = analyze(`import numpy as np\n${line}\n`, 'python');
      const [finding] = analysis.findings.filter((item) => item.code === 'NG101');
      assert.ok(finding, 'the softmax after non-ASCII text is flagged');
      // In UTF-16 the emoji is two units; in code points one, in UTF-8 bytes four.
      assert.deepEqual(finding.range.start, { line: 1, character: line.indexOf('np.exp') });
      const exp = 'np.exp(ロジット)';
      assert.equal(finding.range.end.character, line.indexOf(exp) + exp.length);
    });

    test('TypeScript columns count UTF-16 code units too', () => {
      const line = 'const label = "温度😀"; const bad = temperature === NaN;';
      const analysis = analyze(`${line}\n`, 'typescript');
      const [finding] = analysis.findings.filter((item) => item.code === 'NG701');
      assert.ok(finding, 'the comparison after non-ASCII text is flagged');
      assert.equal(finding.range.start.character, line.indexOf('temperature'));
    });
  });

  describe('fixes built when first read', () => {
    const text = [
      'import numpy as np',
      '',
      'def softmax(x):',
      `    return ${NAIVE_SOFTMAX}`,
      '',
      'def probabilities(z):',
      '    return np.exp(z) / np.sum(np.exp(z))',
      '',
    ].join('\n');

    test('are the fixes an analysis would build at once', () => {
      const tree = parse(text, 'python');
      try {
        const lazy = analyzeTree(tree, text, 'python', {
          rules: allRules,
          withFixes: { readable: () => true, failed: () => assert.fail('no fix may throw') },
        });
        const eager = analyzeTree(tree, text, 'python', { rules: allRules });
        assert.equal(lazy.findings.length, 2);
        assert.deepEqual(JSON.parse(JSON.stringify(lazy.findings)), eager.findings);
      } finally {
        tree.delete();
      }
    });

    test('are empty once the tree may have changed, unless read before', () => {
      const tree = parse(text, 'python');
      let readable = true;
      try {
        const { findings } = analyzeTree(tree, text, 'python', {
          rules: allRules,
          withFixes: { readable: () => readable, failed: () => {} },
        });
        const [first, second] = findings;
        const read = first.fixes;
        assert.ok(read.length > 0);
        // Read once, the fixes are a plain value: nothing keeps the analysis alive any more.
        assert.equal(Object.getOwnPropertyDescriptor(first, 'fixes')?.value, read);
        readable = false;
        assert.equal(first.fixes, read);
        assert.deepEqual(second.fixes, []);
      } finally {
        tree.delete();
      }
    });

    test('read in any order, they are the fixes built at once', () => {
      // Both fixes would import a `softmax`: the first one built claims the name.
      const twoLibraries = [
        'import numpy as np',
        'import jax.numpy as jnp',
        '',
        'def a(x):',
        '    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)',
        '',
        'def b(x):',
        '    return jnp.exp(x) / jnp.sum(jnp.exp(x), axis=-1, keepdims=True)',
        '',
      ].join('\n');
      const tree = parse(twoLibraries, 'python');
      try {
        const eager = analyzeTree(tree, twoLibraries, 'python', { rules: allRules });
        assert.equal(eager.findings.length, 2);
        const lazy = analyzeTree(tree, twoLibraries, 'python', {
          rules: allRules,
          withFixes: { readable: () => true, failed: () => assert.fail('no fix may throw') },
        });
        const [first, second] = lazy.findings;
        // The later finding first: the earlier one's fixes are built before its own.
        assert.deepEqual(second.fixes, eager.findings[1].fixes);
        assert.deepEqual(first.fixes, eager.findings[0].fixes);
      } finally {
        tree.delete();
      }
    });

    test('a fix that throws is reported as that rule failing, when it is read', () => {
      const broken: Rule = {
        meta: { ...allRules[0].meta, code: 'NG999', name: 'broken-fix' },
        create: (context) => ({
          call(node) {
            context.report({
              node,
              message: 'a call',
              fixes: () => {
                throw new Error('the fix broke');
              },
            });
          },
        }),
      };
      const failed: RuleFailure[] = [];
      const tree = parse(text, 'python');
      try {
        const analysis = analyzeTree(tree, text, 'python', {
          rules: [broken],
          withFixes: { readable: () => true, failed: (failure) => failed.push(failure) },
        });
        assert.ok(analysis.findings.length > 0);
        assert.deepEqual(failed, []);
        assert.deepEqual(analysis.findings[0].fixes, []);
        assert.deepEqual(
          failed.map(({ code, error }) => [code, (error as Error).message]),
          [['NG999', 'the fix broke']],
        );
      } finally {
        tree.delete();
      }
    });
  });
});
