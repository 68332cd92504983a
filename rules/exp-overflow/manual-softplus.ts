// NG105 manual-softplus: `log(1 + exp(x))` or `log1p(exp(x))` written by hand.
//
// What it does: flags softplus computed as the log of one plus an exp whose exponent is not
// bounded.
// Why is this bad? exp overflows float32 above about 88.7 (float64 above about 709.8), so the
// result is inf where softplus(x) is simply about x. Python's math.exp raises OverflowError.
// Use instead: `np.logaddexp(0, x)`, `F.softplus(x)`, `jax.nn.softplus`, `tf.math.softplus`,
// `tf.softplus` in TensorFlow.js, or `max(x, 0) + log1p(exp(-|x|))` for plain numbers.
// Fix safety: safe. PyTorch's F.softplus returns x itself above its threshold of 20; the
// difference from the exact value there, log(1 + exp(-20)) ≈ 2.1e-9, is below float32 resolution
// at x ≥ 20 (about 1.9e-6), so the results agree to the precision of the dtype.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { numberValue, unaryParts, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { expValue, isShiftedOrBounded, stableBetween } from '../engine/values';
import { isAtomic, isOne } from '../log-domain/stable-forms';
import { isConstantExponent } from './constant-exponent';

/** `log(1 + exp(x))` or `log1p(exp(x))`: the exp, or null. */
function softplusExp(model: Model, node: Node): { log: Operation; exp: Operation } | null {
  const log = model.operation(node);
  if (!log?.input || (log.op !== 'log' && log.op !== 'log1p')) return null;
  if (log.op === 'log1p') {
    const exp = expValue(model, log.input);
    return exp ? { log, exp } : null;
  }
  const sum = model.arithmetic(model.resolve(log.input));
  if (sum?.operator !== '+') return null;
  const other = isOne(sum.left) ? sum.right : isOne(sum.right) ? sum.left : null;
  const exp = other ? expValue(model, other) : null;
  return exp ? { log, exp } : null;
}

/**
 * `-abs(x)`, `-x**2` and `-square(x)` exponents are at most 0, so their exp cannot overflow: the
 * stable softplus and sigmoid are built on `exp(-abs(x))`.
 */
export function isNonPositive(model: Model, exponent: Node): boolean {
  const negated = unaryParts(unwrap(model.resolve(exponent)));
  if (negated?.operator !== '-') return false;
  const operation = model.operationOf(negated.argument);
  if (operation?.op === 'abs' || operation?.op === 'square') return true;
  const power = model.arithmetic(model.resolve(negated.argument));
  return power?.operator === '**' && numberValue(power.right) === 2;
}

function softplusText(model: Model, library: Operation['library'], x: string): string | null {
  switch (library) {
    case 'numpy':
    case 'scipy':
      return `${model.reference('numpy.logaddexp').text}(0, ${x})`;
    case 'torch':
      return `${model.reference('torch.nn.functional.softplus').text}(${x})`;
    case 'tensorflow':
      return `${model.reference('tensorflow.math.softplus').text}(${x})`;
    case 'jax':
      return `${model.reference('jax.nn.softplus').text}(${x})`;
    case 'tfjs':
      return `${model.reference('tfjs.softplus').text}(${x})`;
    case 'Math':
      return isAtomic(x) ? `Math.max(${x}, 0) + Math.log1p(Math.exp(-Math.abs(${x})))` : null;
    case 'math': {
      if (!isAtomic(x)) return null;
      const log1p = model.reference('math.log1p').text;
      const exp = model.reference('math.exp').text;
      return `max(${x}, 0) + ${log1p}(${exp}(-abs(${x})))`;
    }
    default:
      return null;
  }
}

const LIBRARY_IMPORT: Partial<Record<Operation['library'], string>> = {
  numpy: 'numpy.logaddexp',
  scipy: 'numpy.logaddexp',
  torch: 'torch.nn.functional.softplus',
  tensorflow: 'tensorflow.math.softplus',
  jax: 'jax.nn.softplus',
  tfjs: 'tfjs.softplus',
  math: 'math.log1p',
};

export const manualSoftplus: Rule = {
  meta: {
    code: 'NG105',
    name: 'manual-softplus',
    family: 'exp-overflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'softplus written by hand as log(1 + exp(x)).',
    explanation:
      'exp overflows float32 above about 88.7 (float64 above about 709.8), so log(1 + exp(x)) ' +
      'is inf where softplus(x) is about x. Use logaddexp(0, x) or the library softplus.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const found = softplusExp(model, node);
        if (!found?.exp.input || isShiftedOrBounded(model, found.exp.input)) return;
        // exp of a literal is a constant; an exponent like -abs(x) cannot overflow.
        if (isConstantExponent(model, found.exp.input) || isNonPositive(model, found.exp.input))
          return;
        const { log, exp } = found;
        context.report({
          node: log.node,
          message: t(
            'log(1 + exp(x)) by hand: exp overflows float32 above ~88.7, giving inf where softplus(x) is about x. Use logaddexp(0, x) or the library softplus.',
          ),
          fixes: () => buildFixes(log, exp),
        });
      },
    };

    function buildFixes(log: Operation, exp: Operation): Fix[] {
      if (!exp.input || !stableBetween(model, exp.input, log.node)) return [];
      const text = softplusText(model, exp.library, model.source(exp.input));
      if (!text) return [];
      const needed = LIBRARY_IMPORT[exp.library];
      const reference = needed ? model.reference(needed) : null;
      const extra = exp.library === 'math' ? model.reference('math.exp').importEdit : null;
      return [
        {
          title: t(
            'Use {0}',
            exp.library === 'Math' || exp.library === 'math'
              ? 'max(x, 0) + log1p(exp(-|x|))'
              : (reference?.text ?? ''),
          ),
          safe: true,
          edits: [
            model.replace(log.node, text),
            ...(reference?.importEdit ? [reference.importEdit] : []),
            ...(extra && extra.newText !== reference?.importEdit?.newText ? [extra] : []),
          ],
        },
      ];
    }
  },
};
