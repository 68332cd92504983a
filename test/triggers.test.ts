// Trigger words let the engine leave out the rules that cannot fire on a text, and the CLI skip
// files no rule could report on without parsing them. They must never hide a finding: on every
// fixture, analysing with triggers gives exactly the findings of analysing with every rule.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { allRules } from '../rules';
import { analyzeText, rulesFor } from '../rules/engine/engine';
import { initParsers } from '../rules/engine/parser';
import type { LanguageId } from '../rules/engine/types';
import { discoverFixtures, readExpected } from './support/fixtures';
import { assertTriggersHideNothing } from './support/triggers';

describe('rule triggers', () => {
  before(() => initParsers());
  const fixtures = discoverFixtures();

  test('every rule has a stateless trigger', () => {
    for (const { meta } of allRules) {
      assert.ok(meta.triggers instanceof RegExp, meta.code);
      assert.doesNotMatch(meta.triggers.flags, /[gy]/, `${meta.code} must not keep state`);
    }
  });

  for (const fixture of fixtures) {
    test(`${fixture.code} ${fixture.name}: the same findings with and without triggers`, () => {
      assertTriggersHideNothing(fs.readFileSync(fixture.sourcePath, 'utf8'), fixture.language);
    });
  }

  test("each finding's rule is triggered by the text up to it (and the statement it starts)", () => {
    // A fixture may mention a trigger only well after its finding; a file that ends soon after
    // the finding would then be skipped. Ten lines cover a multi-line statement.
    for (const fixture of fixtures) {
      const lines = fs.readFileSync(fixture.sourcePath, 'utf8').split(/\r?\n/);
      for (const expected of readExpected(fixture)) {
        const [line, , code] = expected.split(/[: ]/);
        const rule = allRules.find((candidate) => candidate.meta.code === code);
        assert.ok(rule, `${fixture.name}: no rule ${code}`);
        const context = lines.slice(0, Number(line) + 10).join('\n');
        assert.match(context, rule.meta.triggers, `${code} ${fixture.name}:${line}`);
      }
    }
  });

  // Spellings a rule detects that its fixtures did not show; each once slipped past a trigger.
  const spellings: { code: string; spelling: string; language: LanguageId; text: string }[] = [
    {
      code: 'NG702',
      spelling: 'np.maximum',
      language: 'python',
      text: 'import numpy as np\n\ndef f(p, eps):\n    np.maximum(p, eps)\n    return np.log(p)\n',
    },
    {
      code: 'NG702',
      spelling: 'tf.minimum',
      language: 'typescript',
      text: "import * as tf from '@tensorflow/tfjs';\nexport function f(p: tf.Tensor) {\n  tf.minimum(p, 1);\n  return p;\n}\n",
    },
    {
      code: 'NG903',
      spelling: 'torch.randn(n, m) * 2',
      language: 'python',
      text: 'import torch\nfrom torch import nn\n\nclass Layer(nn.Module):\n    def __init__(self, n, m):\n        super().__init__()\n        self.weight = nn.Parameter(torch.randn(n, m) * 2)\n',
    },
    {
      code: 'NG603',
      spelling: '0.000_000_01',
      language: 'python',
      text: 'import torch\n\ndef f(p):\n    return torch.clamp(p, max=1 - 0.000_000_01)\n',
    },
  ];
  for (const { code, spelling, language, text } of spellings) {
    test(`${code} is triggered when written with ${spelling}`, () => {
      const codes = analyzeText(text, language, { rules: allRules, withFixes: false }).findings.map(
        (finding) => finding.code,
      );
      assert.ok(codes.includes(code), `${code} not found in ${JSON.stringify(codes)}`);
      assertTriggersHideNothing(text, language);
    });
  }

  test('code without any trigger word leaves no rule to run', () => {
    assert.deepEqual(
      rulesFor('def add(a, b):\n    return a + b\n', 'python', { rules: allRules }),
      [],
    );
    assert.deepEqual(rulesFor('const answer = 42;\n', 'typescript', { rules: allRules }), []);
  });

  test('only the rules of the language, enabled and triggered, are left', () => {
    const text = 'import numpy as np\ny = np.exp(x) / np.exp(x).sum()\n';
    const python = rulesFor(text, 'python', { rules: allRules }).map((rule) => rule.meta.code);
    assert.ok(python.includes('NG101'));
    assert.ok(!python.includes('NG701'), 'no nan in the text');
    const withoutSoftmax = rulesFor(text, 'python', {
      rules: allRules,
      isEnabled: (code) => code !== 'NG101',
    }).map((rule) => rule.meta.code);
    assert.ok(!withoutSoftmax.includes('NG101'));
    const tsOnly = allRules.filter((rule) => !rule.meta.dialects.includes('ts'));
    const typescript = rulesFor(text, 'typescript', { rules: tsOnly });
    assert.deepEqual(typescript, []);
  });
});
