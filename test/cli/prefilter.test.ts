// The pre-filter may skip a file only when no rule could fire on it: every rule fixture that has
// findings must pass it.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { mightHaveFindings, RULE_TOKENS } from '../../cli/prefilter';
import { discoverFixtures, readExpected } from '../support/fixtures';

describe('pre-filter', () => {
  const flagged = discoverFixtures().filter((fixture) => readExpected(fixture).length > 0);

  test('there are flagged fixtures to check', () => {
    assert.ok(flagged.length > 0);
  });

  for (const fixture of flagged) {
    test(`${fixture.code} ${fixture.name} passes the pre-filter`, () => {
      const text = fs.readFileSync(fixture.sourcePath, 'utf8');
      assert.ok(mightHaveFindings(text), `no token of the pre-filter occurs in ${fixture.name}`);
    });
  }

  test('the text up to each finding (and the statement it starts) passes it too', () => {
    // A fixture may mention a token only well after its finding; a file that ends soon after the
    // finding would then slip through the pre-filter. Ten lines cover a multi-line statement.
    for (const fixture of flagged) {
      const lines = fs.readFileSync(fixture.sourcePath, 'utf8').split(/\r?\n/);
      for (const expected of readExpected(fixture)) {
        const line = Number(expected.split(':')[0]);
        const context = lines.slice(0, line + 10).join('\n');
        assert.ok(mightHaveFindings(context), `${fixture.code} ${fixture.name}:${line}`);
      }
    }
  });

  test('code with none of the tokens is passed over', () => {
    assert.equal(mightHaveFindings('def add(a, b):\n    return a + b\n'), false);
    assert.equal(mightHaveFindings('const answer = 42;\n'), false);
  });

  test('each token is a valid regular expression on its own', () => {
    for (const token of RULE_TOKENS) assert.doesNotThrow(() => new RegExp(token), token);
  });
});
