// The README's rule table is generated from the rules; this keeps it from drifting.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { rulesTable } from '../scripts/rules-table';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

test('the README lists every rule as scripts/rules-table.ts prints it', () => {
  assert.ok(
    readme.includes(rulesTable()),
    'README.md is out of date: paste the output of `npx tsx scripts/rules-table.ts`',
  );
});

test('every docs link in the README points at an existing page', () => {
  for (const [, target] of readme.matchAll(/\]\((docs\/[^)]+)\)/g)) {
    assert.ok(fs.existsSync(path.join(__dirname, '..', target)), `${target} exists`);
  }
});
