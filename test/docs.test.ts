// The rule pages in docs/rules (English) and docs/rules/ja (Japanese): every rule has both, each
// with the required sections; the Example is flagged by its rule and the Use-instead code is
// not; both languages show the same code.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { type Token, type Tokens, lexer } from 'marked';
import { allRules } from '../rules';
import { analyzeText } from '../rules/engine/engine';
import { initParsers } from '../rules/engine/parser';
import type { LanguageId, Rule } from '../rules/engine/types';

const DOCS = path.join(__dirname, '..', 'docs', 'rules');

interface PageLanguage {
  folder: string;
  label: string;
  /** The required sections in order; the keys name them in this test's messages. */
  sections: Record<'flags' | 'why' | 'example' | 'instead' | 'safety' | 'whenNot', string>;
}

const ENGLISH: PageLanguage = {
  folder: DOCS,
  label: 'English',
  sections: {
    flags: 'What it flags',
    why: 'Why it fails',
    example: 'Example',
    instead: 'Use instead',
    safety: 'Fix safety',
    whenNot: 'When not to use it',
  },
};

const JAPANESE: PageLanguage = {
  folder: path.join(DOCS, 'ja'),
  label: 'Japanese',
  sections: {
    flags: '何を検出するか',
    why: 'なぜ失敗するか',
    example: '例',
    instead: '代わりに',
    safety: '修正の安全性',
    whenNot: '使わない方がよい場合',
  },
};

const FENCE_LANGUAGES: Record<string, LanguageId> = {
  python: 'python',
  py: 'python',
  ts: 'typescript',
  typescript: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  javascript: 'javascript',
};

interface Page {
  file: string;
  title: string | null;
  /** Level-2 headings in order, each with the tokens under it. */
  sections: { heading: string; tokens: Token[] }[];
  codeBlocks: { lang: string; text: string }[];
}

function pageFile(rule: Rule, language: PageLanguage): string {
  return path.join(language.folder, `${rule.meta.code}-${rule.meta.name}.md`);
}

function readPage(file: string): Page {
  const tokens = lexer(fs.readFileSync(file, 'utf8'));
  const page: Page = { file, title: null, sections: [], codeBlocks: [] };
  for (const token of tokens) {
    if (token.type === 'heading' && (token as Tokens.Heading).depth === 1) {
      page.title ??= (token as Tokens.Heading).text.trim();
    } else if (token.type === 'heading' && (token as Tokens.Heading).depth === 2) {
      page.sections.push({ heading: (token as Tokens.Heading).text.trim(), tokens: [] });
    } else {
      page.sections.at(-1)?.tokens.push(token);
    }
    if (token.type === 'code') {
      const code = token as Tokens.Code;
      page.codeBlocks.push({ lang: (code.lang ?? '').trim(), text: code.text });
    }
  }
  return page;
}

function sectionCode(page: Page, heading: string): Tokens.Code[] {
  const section = page.sections.find((candidate) => candidate.heading === heading);
  return (section?.tokens ?? []).filter((token): token is Tokens.Code => token.type === 'code');
}

/** Everything wrong with the structure of one page, in words. */
function structureProblems(rule: Rule, page: Page, language: PageLanguage): string[] {
  const problems: string[] = [];
  const expectedTitle = `${rule.meta.code} ${rule.meta.name}`;
  if (page.title !== expectedTitle) {
    problems.push(`the title must be "# ${expectedTitle}", found ${JSON.stringify(page.title)}`);
  }
  const required = Object.values(language.sections);
  const present = page.sections.map((section) => section.heading);
  const missing = required.filter((heading) => !present.includes(heading));
  if (missing.length > 0)
    problems.push(`missing sections: ${missing.map((h) => `## ${h}`).join(', ')}`);
  const order = present.filter((heading) => required.includes(heading));
  if (missing.length === 0 && order.join('|') !== required.join('|')) {
    problems.push(`sections out of order: ${order.join(' / ')}; expected ${required.join(' / ')}`);
  }
  const why = page.sections.find((section) => section.heading === language.sections.why);
  if (why && !why.tokens.some((token) => /\d/.test(token.raw))) {
    problems.push(`## ${language.sections.why} gives no number (the threshold, the maximum, …)`);
  }
  for (const key of ['example', 'instead'] as const) {
    const heading = language.sections[key];
    if (present.includes(heading) && sectionCode(page, heading).length === 0) {
      problems.push(`## ${heading} has no fenced code block`);
    }
  }
  return problems;
}

/** Whether the rule flags a code block; an unknown fence language is a problem of its own. */
function flags(rule: Rule, block: Tokens.Code): boolean | string {
  const language = FENCE_LANGUAGES[(block.lang ?? '').trim().toLowerCase()];
  if (!language) return `a code block fenced as "${block.lang ?? ''}" (use python, ts or js)`;
  const analysis = analyzeText(block.text, language, { rules: [rule] });
  if (analysis.failures.length > 0) return `${rule.meta.code} threw on a code block`;
  return analysis.findings.some((finding) => finding.code === rule.meta.code);
}

function exampleProblems(rule: Rule, page: Page, language: PageLanguage): string[] {
  const problems: string[] = [];
  for (const block of sectionCode(page, language.sections.example)) {
    const verdict = flags(rule, block);
    if (typeof verdict === 'string') problems.push(`## ${language.sections.example}: ${verdict}`);
    else if (!verdict) {
      problems.push(
        `## ${language.sections.example}: ${rule.meta.code} does not flag:\n${block.text}`,
      );
    }
  }
  for (const block of sectionCode(page, language.sections.instead)) {
    const verdict = flags(rule, block);
    if (typeof verdict === 'string') problems.push(`## ${language.sections.instead}: ${verdict}`);
    else if (verdict) {
      problems.push(
        `## ${language.sections.instead}: ${rule.meta.code} still flags:\n${block.text}`,
      );
    }
  }
  return problems;
}

function assertNoProblems(file: string, problems: string[]): void {
  const relative = path.relative(path.join(__dirname, '..'), file);
  assert.deepEqual(problems, [], `${relative}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

describe('rule docs', () => {
  before(() => initParsers());

  for (const rule of allRules) {
    const name = `${rule.meta.code} ${rule.meta.name}`;
    for (const language of [ENGLISH, JAPANESE]) {
      test(`${name}: ${language.label} page`, () => {
        const file = pageFile(rule, language);
        assert.ok(fs.existsSync(file), `${path.relative(process.cwd(), file)} does not exist`);
        const page = readPage(file);
        assertNoProblems(file, [
          ...structureProblems(rule, page, language),
          ...exampleProblems(rule, page, language),
        ]);
      });
    }

    test(`${name}: both pages show the same code blocks`, () => {
      const english = pageFile(rule, ENGLISH);
      const japanese = pageFile(rule, JAPANESE);
      assert.ok(fs.existsSync(english) && fs.existsSync(japanese), 'both pages must exist');
      const blocks = (file: string) => readPage(file).codeBlocks;
      assert.deepEqual(blocks(japanese), blocks(english), `${path.basename(japanese)} differs`);
    });
  }

  test('every page belongs to a rule', () => {
    const expected = new Set(allRules.map((rule) => `${rule.meta.code}-${rule.meta.name}.md`));
    for (const language of [ENGLISH, JAPANESE]) {
      const orphans = fs
        .readdirSync(language.folder)
        .filter((file) => file.endsWith('.md') && !expected.has(file));
      assert.deepEqual(orphans, [], `${language.label} pages with no rule of that code and name`);
    }
  });
});
