// Every rule fixture, discovered from test/fixtures/rules: the findings of its code at the
// expected positions, and the text after its fixes.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { allRules } from '../rules';
import { analyzeText } from '../rules/engine/engine';
import { initParsers } from '../rules/engine/parser';
import {
  applyFirstFixes,
  describeFindings,
  discoverFixtures,
  readExpected,
} from './support/fixtures';

const fixtures = discoverFixtures();

describe('rule fixtures', () => {
  before(() => initParsers());

  for (const fixture of fixtures) {
    test(`${fixture.code} ${fixture.name}`, () => {
      const text = fs.readFileSync(fixture.sourcePath, 'utf8');
      const analysis = analyzeText(text, fixture.language, { rules: allRules });
      assert.deepEqual(analysis.failures, [], 'no rule may throw');
      assert.deepEqual(describeFindings(analysis.findings, fixture.code), readExpected(fixture));

      if (fixture.fixedPath) {
        const fixed = applyFirstFixes(text, fixture.language, fixture.code);
        assert.equal(fixed, fs.readFileSync(fixture.fixedPath, 'utf8'));
        const after = analyzeText(fixed, fixture.language, { rules: allRules });
        const unfixable = analysis.findings.filter(
          (finding) => finding.code === fixture.code && finding.fixes.length === 0,
        );
        assert.equal(
          describeFindings(after.findings, fixture.code).length,
          unfixable.length,
          'every finding with a fix is gone after the fix',
        );
      }
    });
  }
});

describe('rule catalogue', () => {
  test('every rule has a fixture directory with flagged and silent samples', () => {
    const byCode = new Map<string, { flagged: number; silent: number }>();
    for (const fixture of fixtures) {
      const counts = byCode.get(fixture.code) ?? { flagged: 0, silent: 0 };
      if (readExpected(fixture).length > 0) counts.flagged++;
      else counts.silent++;
      byCode.set(fixture.code, counts);
    }
    for (const rule of allRules) {
      const counts = byCode.get(rule.meta.code);
      assert.ok(counts && counts.flagged > 0, `${rule.meta.code} has a flagged fixture`);
      assert.ok(counts.silent > 0, `${rule.meta.code} has a must-not-flag fixture`);
    }
  });

  test('codes and names are unique and well formed', () => {
    const codes = new Set<string>();
    const names = new Set<string>();
    const familyDigit: Record<string, string> = {
      'exp-overflow': '1',
      'log-domain': '2',
      precision: '3',
      underflow: '4',
      'division-roots': '5',
      'half-precision': '6',
      comparisons: '7',
      'training-loop': '8',
      'training-hints': '9',
    };
    for (const { meta } of allRules) {
      assert.match(meta.code, /^NG[1-9]\d\d$/);
      assert.match(meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.equal(
        meta.code[2],
        familyDigit[meta.family],
        `${meta.code} belongs to ${meta.family}`,
      );
      assert.ok(!codes.has(meta.code), `duplicate code ${meta.code}`);
      assert.ok(!names.has(meta.name), `duplicate name ${meta.name}`);
      codes.add(meta.code);
      names.add(meta.name);
    }
  });
});
