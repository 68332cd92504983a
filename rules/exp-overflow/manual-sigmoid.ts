// NG103 manual-sigmoid: `1 / (1 + exp(-x))` or `exp(x) / (1 + exp(x))` written by hand.
//
// What it does: flags the two hand-written forms of the logistic sigmoid.
// Why is this bad? In `1 / (1 + exp(-x))`, exp(-x) overflows to inf once x is below about -88.7
// in float32 (-709.8 in float64). The value still saturates to the right limit, 0, but NumPy
// warns, Python's math.exp raises OverflowError, and under autograd the gradient is
// exp(-x) / (1 + exp(-x))**2 = inf / inf = NaN. In `exp(x) / (1 + exp(x))` the overflow is in the
// value itself: for x above about 88.7 it is inf / inf = NaN.
// Use instead: the library sigmoid, which branches on the sign of x: `scipy.special.expit`,
// `torch.sigmoid`, `tf.math.sigmoid`, `jax.nn.sigmoid`, `tf.sigmoid` in TensorFlow.js.
// Fix safety: safe. The library sigmoid equals both forms wherever they are finite.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import type { Fix, Rule } from '../engine/types';
import { expValue, stableBetween } from '../engine/values';
import { isOne, negatedNode, negatedText } from '../log-domain/stable-forms';
import { isNonPositive } from './manual-softplus';
import { isConstantExponent } from './constant-exponent';

const LIBRARY_SIGMOID: Partial<Record<Operation['library'], string>> = {
  numpy: 'scipy.special.expit',
  scipy: 'scipy.special.expit',
  torch: 'torch.sigmoid',
  tensorflow: 'tensorflow.math.sigmoid',
  jax: 'jax.nn.sigmoid',
  tfjs: 'tfjs.sigmoid',
};

export interface ManualSigmoid {
  division: Node;
  exp: Operation;
  /** `1 / (1 + exp(-x))` is the reciprocal form; `exp(x) / (1 + exp(x))` the ratio form. */
  form: 'reciprocal' | 'ratio';
}

/** `1 + exp(e)` or `exp(e) + 1`: the exp, or null. */
function onePlusExp(model: Model, node: Node): Operation | null {
  const sum = model.arithmetic(model.resolve(node));
  if (sum?.operator !== '+') return null;
  if (isOne(sum.left)) return expValue(model, sum.right);
  if (isOne(sum.right)) return expValue(model, sum.left);
  return null;
}

function sameText(model: Model, a: Node, b: Node): boolean {
  return model.source(a).replace(/\s+/g, '') === model.source(b).replace(/\s+/g, '');
}

/** Reads a division as a hand-written sigmoid. NG101 asks this to leave these to NG103. */
export function manualSigmoidAt(model: Model, node: Node): ManualSigmoid | null {
  const division = model.arithmetic(node);
  if (division?.operator !== '/') return null;
  const denominatorExp = onePlusExp(model, division.right);
  if (!denominatorExp?.input) return null;
  if (isOne(division.left)) {
    return { division: division.node, exp: denominatorExp, form: 'reciprocal' };
  }
  const numeratorExp = expValue(model, division.left);
  if (numeratorExp?.input && sameText(model, numeratorExp.input, denominatorExp.input)) {
    return { division: division.node, exp: numeratorExp, form: 'ratio' };
  }
  return null;
}

export const manualSigmoid: Rule = {
  meta: {
    code: 'NG103',
    name: 'manual-sigmoid',
    family: 'exp-overflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'Sigmoid written by hand as 1 / (1 + exp(-x)) or exp(x) / (1 + exp(x)).',
    explanation:
      'exp overflows float32 above about 88.7. 1 / (1 + exp(-x)) still reaches the right limit ' +
      'but warns, and its autograd gradient is inf / inf = NaN; exp(x) / (1 + exp(x)) is ' +
      'inf / inf = NaN for large x. The library sigmoid never overflows.',
  },
  create(context) {
    const { model } = context;
    return {
      binary: (node) => check(node),
      call: (node) => check(node),
    };

    function check(node: Node): void {
      const sigmoid = manualSigmoidAt(model, node);
      // exp of a literal is a constant that the author can see does not overflow.
      if (!sigmoid?.exp.input || isConstantExponent(model, sigmoid.exp.input)) return;
      // `z = exp(-abs(x))` is at most 1: `z / (1 + z)` is the stable half of a sign-split sigmoid.
      if (isNonPositive(model, sigmoid.exp.input)) return;
      // JavaScript numbers saturate silently and have no autograd: only the ratio form fails.
      if (sigmoid.exp.library === 'Math' && sigmoid.form === 'reciprocal') return;
      context.report({
        node: sigmoid.division,
        message:
          sigmoid.form === 'reciprocal'
            ? t(
                '1 / (1 + exp(-x)) by hand: exp(-x) overflows for x below ~-88.7 in float32, which warns (or raises with math.exp) and makes the autograd gradient inf / inf = NaN. Use the library sigmoid.',
              )
            : t(
                'exp(x) / (1 + exp(x)) by hand: for x above ~88.7 in float32 both are inf and the result is inf / inf = NaN. Use the library sigmoid.',
              ),
        fixes: () => buildFixes(sigmoid),
      });
    }

    function buildFixes(sigmoid: ManualSigmoid): Fix[] {
      const { exp } = sigmoid;
      if (!exp.input || !stableBetween(model, exp.input, sigmoid.division)) return [];
      if (exp.library === 'Math' && sigmoid.form === 'ratio') return [reciprocalFix(sigmoid)];
      const name = LIBRARY_SIGMOID[exp.library];
      if (!name) return [];
      const argument =
        sigmoid.form === 'reciprocal'
          ? negatedNode(model, exp.library, exp.input)
          : model.source(exp.input);
      const reference = model.reference(name);
      return [
        {
          title: t('Use {0}', reference.text),
          safe: true,
          edits: [
            model.replace(sigmoid.division, `${reference.text}(${argument})`),
            ...(reference.importEdit ? [reference.importEdit] : []),
          ],
        },
      ];
    }

    /** For plain numbers the reciprocal form is exact: it saturates to 0 without a NaN. */
    function reciprocalFix(sigmoid: ManualSigmoid): Fix {
      const input = sigmoid.exp.input ? model.source(sigmoid.exp.input) : '';
      const negated = negatedText(model, 'Math', input);
      return {
        title: t('Use {0}', '1 / (1 + Math.exp(-x))'),
        safe: true,
        edits: [model.replace(sigmoid.division, `1 / (1 + Math.exp(${negated}))`)],
      };
    }
  },
};
