// Fixes of different rules applied together, in rounds, as `nanguard check --unsafe-fixes` and
// "fix all" do: each round sees the previous one's result.

import * as assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initParsers } from '../rules/engine/parser';
import { applyFirstFixes } from './support/fixtures';

before(() => initParsers(['python']));

test('float16 training gets its GradScaler before its clip, and the clip unscales first', () => {
  const source = [
    'import torch',
    '',
    'model = torch.nn.Linear(8, 8).cuda()',
    'opt = torch.optim.AdamW(model.parameters(), lr=3e-4)',
    'for x in [torch.randn(4, 8, device="cuda")]:',
    '    with torch.autocast(device_type="cuda", dtype=torch.float16):',
    '        loss = model(x).pow(2).mean()',
    '    loss.backward()',
    '    opt.step()',
    '',
  ].join('\n');

  const lines = applyFirstFixes(source, 'python')
    .split('\n')
    .map((line) => line.trim());
  const order = [
    'scaler.scale(loss).backward()',
    'scaler.unscale_(opt)',
    'torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)',
    'scaler.step(opt)',
  ].map((line) => lines.indexOf(line));
  assert.ok(
    order.every((index) => index >= 0),
    `all four lines are there: ${order.join(', ')}`,
  );
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
    'in this order',
  );
});
