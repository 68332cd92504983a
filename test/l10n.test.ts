// Localisation: every English string that reaches a user has a Japanese translation, with the
// same placeholders, and no translation is left over once its string is gone. The strings are
// found by reading the sources with the TypeScript compiler: each call `t('...')` in rules/,
// server/ and cli/, plus every rule's summary and explanation.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { allRules } from '../rules';
import { analyzeText } from '../rules/engine/engine';
import { mergeTranslationFiles, TRANSLATION_ROOTS, useLanguage } from '../rules/engine/l10n';
import { initParsers } from '../rules/engine/parser';
import { FIXTURE_ROOT } from './support/fixtures';

const ROOT = path.join(__dirname, '..');
const JAPANESE_TEXT = /[\u3040-\u30ff\u3400-\u9fff]/;

interface Call {
  where: string;
  text: string;
}

interface SourceStrings {
  literal: Call[];
  /** Calls whose first argument is not a literal, and so cannot be checked. */
  dynamic: Call[];
}

function sourceFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      found.push(full);
    }
  }
  return found.sort();
}

/**
 * A string literal, string literals joined with `+`, or a `const` of the same file holding one;
 * null for anything computed.
 */
function literalText(node: ts.Expression, constants: Map<string, ts.Expression>): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression, constants);
  if (ts.isIdentifier(node)) {
    const value = constants.get(node.text);
    return value ? literalText(value, new Map()) : null;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left, constants);
    const right = literalText(node.right, constants);
    return left !== null && right !== null ? left + right : null;
  }
  return null;
}

/** The file's `const NAME = <expression>` declarations, by name. */
function constantsOf(source: ts.SourceFile): Map<string, ts.Expression> {
  const constants = new Map<string, ts.Expression>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.Const) !== 0) {
      for (const declaration of node.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer) {
          constants.set(declaration.name.text, declaration.initializer);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return constants;
}

/** `t(...)` and `l10n.t(...)`: the localisation calls. */
function isTranslationCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || node.arguments.length === 0) return false;
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text === 't';
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 't';
}

function collectStrings(folders: readonly string[]): SourceStrings {
  const strings: SourceStrings = { literal: [], dynamic: [] };
  for (const folder of folders) {
    for (const file of sourceFiles(path.join(ROOT, folder))) {
      const source = ts.createSourceFile(
        file,
        fs.readFileSync(file, 'utf8'),
        ts.ScriptTarget.Latest,
        true,
      );
      const constants = constantsOf(source);
      const visit = (node: ts.Node): void => {
        if (isTranslationCall(node)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          const where = `${path.relative(ROOT, file)}:${line + 1}`;
          const text = literalText(node.arguments[0], constants);
          if (text !== null) strings.literal.push({ where, text });
          else strings.dynamic.push({ where, text: node.arguments[0].getText(source) });
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return strings;
}

function translationFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') return translationFiles(full);
      return entry.name === 'l10n.ja.json' ? [full] : [];
    })
    .sort();
}

/** The distinct placeholders of a string: a translation may repeat one where grammar needs it. */
function placeholders(text: string): string[] {
  return [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
}

function bulleted(lines: string[]): string {
  return lines.map((line) => `  - ${line}`).join('\n');
}

describe('localisation', () => {
  const strings = collectStrings(TRANSLATION_ROOTS);
  const merged = mergeTranslationFiles(ROOT);
  const ruleStrings: Call[] = allRules.flatMap((rule) => [
    { where: `${rule.meta.code} meta.summary`, text: rule.meta.summary },
    { where: `${rule.meta.code} meta.explanation`, text: rule.meta.explanation },
  ]);
  const used = [...strings.literal, ...ruleStrings];

  test('the sources have translatable strings to check', () => {
    assert.ok(strings.literal.length > 0, 'no t() call found: the scan is broken');
  });

  test('every English string has a Japanese translation', () => {
    const missing = used
      .filter(({ text }) => !Object.hasOwn(merged, text))
      .map(({ where, text }) => `${where}: ${JSON.stringify(text)}`);
    assert.deepEqual(missing, [], `untranslated strings:\n${bulleted(missing)}`);
  });

  test('translations keep the placeholders and are written in Japanese', () => {
    const problems: string[] = [];
    for (const [english, japanese] of Object.entries(merged)) {
      if (placeholders(english).join() !== placeholders(japanese).join()) {
        problems.push(
          `${JSON.stringify(english)}: placeholders ${placeholders(english)} become ${placeholders(japanese)}`,
        );
      }
      if (!JAPANESE_TEXT.test(japanese)) {
        problems.push(`${JSON.stringify(english)}: the translation has no Japanese text`);
      }
    }
    assert.deepEqual(problems, [], bulleted(problems));
  });

  test('no translation is left over for a string that no longer exists', () => {
    const texts = new Set(used.map(({ text }) => text));
    const unused: string[] = [];
    for (const file of TRANSLATION_ROOTS.flatMap((folder) =>
      translationFiles(path.join(ROOT, folder)),
    )) {
      const keys = Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>);
      for (const key of keys) {
        if (!texts.has(key)) unused.push(`${path.relative(ROOT, file)}: ${JSON.stringify(key)}`);
      }
    }
    assert.deepEqual(unused, [], `unused translations:\n${bulleted(unused)}`);
  });

  test('a string translated in two files is translated the same way', () => {
    const seen = new Map<string, { file: string; translation: string }>();
    const conflicts: string[] = [];
    for (const file of TRANSLATION_ROOTS.flatMap((folder) =>
      translationFiles(path.join(ROOT, folder)),
    )) {
      const entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [key, translation] of Object.entries(entries)) {
        const earlier = seen.get(key);
        if (earlier && earlier.translation !== translation) {
          conflicts.push(
            `${JSON.stringify(key)}: ${path.relative(ROOT, earlier.file)} and ${path.relative(ROOT, file)} differ`,
          );
        }
        seen.set(key, { file, translation });
      }
    }
    assert.deepEqual(conflicts, [], bulleted(conflicts));
  });

  test('t() is called with literal strings, so that they can be checked', () => {
    // Rule metadata reaches t() through a variable; it is checked above from allRules.
    const unchecked = strings.dynamic
      .filter(({ text }) => !/\.(summary|explanation)$/.test(text))
      .map(({ where, text }) => `${where}: t(${text})`);
    assert.deepEqual(unchecked, [], `calls that cannot be checked:\n${bulleted(unchecked)}`);
  });

  test('package.nls.ja.json translates every key of package.nls.json', () => {
    const english = path.join(ROOT, 'package.nls.json');
    const japanese = path.join(ROOT, 'package.nls.ja.json');
    if (!fs.existsSync(english)) return;
    assert.ok(fs.existsSync(japanese), 'package.nls.json exists but package.nls.ja.json does not');
    const en = JSON.parse(fs.readFileSync(english, 'utf8')) as Record<string, string>;
    const ja = JSON.parse(fs.readFileSync(japanese, 'utf8')) as Record<string, string>;
    const missing = Object.keys(en).filter((key) => !Object.hasOwn(ja, key));
    const extra = Object.keys(ja).filter((key) => !Object.hasOwn(en, key));
    assert.deepEqual(missing, [], `keys with no Japanese text:\n${bulleted(missing)}`);
    assert.deepEqual(extra, [], `Japanese keys with no English text:\n${bulleted(extra)}`);
    const placeholderChanges = Object.keys(en).filter(
      (key) => placeholders(en[key]).join() !== placeholders(ja[key]).join(),
    );
    assert.deepEqual(placeholderChanges, [], 'placeholders differ');
  });

  test('the client translates its own strings in client/l10n.ja.json, with none unused', () => {
    const file = path.join(ROOT, 'client', 'l10n.ja.json');
    const client = collectStrings(['client']);
    if (client.literal.length === 0 && !fs.existsSync(file)) return;
    const translations = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    const texts = new Set(client.literal.map(({ text }) => text));
    const problems = [
      ...client.literal
        .filter(({ text }) => !Object.hasOwn(translations, text))
        .map(({ where, text }) => `${where}: untranslated ${JSON.stringify(text)}`),
      ...client.dynamic.map(({ where, text }) => `${where}: t(${text}) cannot be checked`),
      ...Object.keys(translations)
        .filter((key) => !texts.has(key))
        .map((key) => `client/l10n.ja.json: unused ${JSON.stringify(key)}`),
      ...Object.entries(translations)
        .filter(([key, value]) => placeholders(key).join() !== placeholders(value).join())
        .map(([key]) => `client/l10n.ja.json: placeholders differ in ${JSON.stringify(key)}`),
    ];
    assert.deepEqual(problems, [], bulleted(problems));
  });

  describe('analysis under useLanguage("ja")', () => {
    before(() => initParsers());
    after(() => useLanguage('en'));

    test('NG101 speaks Japanese: message, related note and fix title', () => {
      const text = fs.readFileSync(path.join(FIXTURE_ROOT, 'NG101', 'numpy-one-line.py'), 'utf8');
      const english = analyzeText(text, 'python', { rules: allRules }).findings[0];
      assert.equal(english.code, 'NG101');

      useLanguage('ja');
      const japanese = analyzeText(text, 'python', { rules: allRules }).findings[0];
      assert.equal(japanese.message, merged[english.message]);
      assert.match(japanese.message, JAPANESE_TEXT);
      assert.equal(japanese.related[0].message, merged[english.related[0].message]);
      assert.equal(japanese.fixes[0].title, 'scipy.special.softmax を使う');

      useLanguage('en');
      assert.equal(
        analyzeText(text, 'python', { rules: allRules }).findings[0].message,
        english.message,
      );
    });
  });
});
