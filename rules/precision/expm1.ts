// NG302 expm1: `exp(x) - 1` and `1 - exp(x)` written out.
//
// What it does: flags a subtraction between 1 and an exp, in NumPy, PyTorch, TensorFlow, JAX,
// `math`, `Math` and TensorFlow.js, in operator, function (`tf.sub`) and method form, and
// through local variables.
// Why is this bad? For small x, exp(x) is 1 plus a tiny amount, and storing it keeps only the
// digits that fit next to the 1: in float64, exp(x) - 1 is exactly 0 for |x| below about 1.1e-16
// (float32: below about 6e-8) and loses relative precision well above that.
// Use instead: `expm1(x)` for exp(x) - 1 and `-expm1(x)` for 1 - exp(x), accurate for every
// small x.
// Fix safety: safe. expm1 computes the same function, more accurately.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { numberValue } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { isOne, negation, replaceValue, siblingCall } from './expressions';

export const expm1: Rule = {
  meta: {
    code: 'NG302',
    name: 'expm1',
    family: 'precision',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'exp(x) - 1 or 1 - exp(x) written out instead of expm1.',
    explanation:
      'For small x, exp(x) is 1 plus a tiny amount and the subtraction cancels the 1 together ' +
      'with most digits: exp(x) - 1 is exactly 0 for |x| below about 1.1e-16 in float64 (6e-8 ' +
      'in float32). expm1(x) is accurate for every small x; 1 - exp(x) is -expm1(x).',
  },
  create(context) {
    const { model } = context;
    return {
      binary: (node) => check(node),
      call: (node) => check(node),
    };

    function check(node: Node): void {
      const difference = model.arithmetic(node);
      if (!difference || difference.operator !== '-') return;
      const reversed = isOne(difference.left);
      if (!reversed && !isOne(difference.right)) return;
      const exp = plainExp(model, reversed ? difference.right : difference.left);
      if (!exp?.input) return;

      context.report({
        node: difference.node,
        message: reversed
          ? t(
              '1 - exp(x) loses precision for small x: exp(x) rounds to 1 when |x| is below ~1.1e-16 (float64) or ~6e-8 (float32), so the difference is 0. Use -expm1(x).',
            )
          : t(
              'exp(x) - 1 loses precision for small x: exp(x) rounds to 1 when |x| is below ~1.1e-16 (float64) or ~6e-8 (float32), so the difference is 0. Use expm1(x).',
            ),
        fixes: () => buildFixes(model, exp, difference.node, reversed),
      });
    }
  },
};

/** An exp with nothing but its input, seen through a local variable. */
function plainExp(model: Model, node: Node): Operation | null {
  const exp = model.operationOf(node);
  if (!exp || exp.op !== 'exp' || exp.rest.length > 0) return null;
  // `exp(2) - 1` is a constant: its argument is not small, and nothing varies.
  if (exp.input && numberValue(exp.input) !== null) return null;
  return [...exp.call.keywords.keys()].every((key) => key === 'name') ? exp : null;
}

function buildFixes(model: Model, exp: Operation, difference: Node, reversed: boolean): Fix[] {
  if (!exp.input || !stableBetween(model, exp.input, difference)) return [];
  const call = siblingCall(model, exp, 'expm1', exp.input);
  const result = reversed ? negation(model, exp, call.text) : { text: call.text, edits: [] };
  return [
    {
      title: t('Use {0}', reversed ? `-${call.display}` : call.display),
      safe: true,
      edits: [replaceValue(model, difference, result.text), ...call.edits, ...result.edits],
    },
  ];
}
