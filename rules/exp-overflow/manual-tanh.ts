// NG104 manual-tanh: `(exp(x) - exp(-x)) / (exp(x) + exp(-x))` or `(exp(2x) - 1) / (exp(2x) + 1)`.
//
// What it does: flags the two hand-written forms of the hyperbolic tangent.
// Why is this bad? exp overflows float32 above about 88.7 (float64 above about 709.8). Once |x|
// passes that (44.4 for the exp(2x) form), numerator and denominator are both inf and the
// result is inf / inf = NaN, although tanh is simply ±1 there.
// Use instead: the library tanh (`np.tanh`, `torch.tanh`, `tf.math.tanh`, `jnp.tanh`,
// `tf.tanh` in TensorFlow.js, `Math.tanh`, `math.tanh`).
// Fix safety: safe. tanh equals both forms wherever they are finite.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { numberValue, unaryParts, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { expValue, stableBetween } from '../engine/values';
import { grouped, isOne } from '../log-domain/stable-forms';
import { isConstantExponent } from './constant-exponent';

const LIBRARY_TANH: Partial<Record<Operation['library'], string>> = {
  numpy: 'numpy.tanh',
  scipy: 'numpy.tanh',
  torch: 'torch.tanh',
  tensorflow: 'tensorflow.math.tanh',
  jax: 'jax.numpy.tanh',
  tfjs: 'tfjs.tanh',
  Math: 'Math.tanh',
  math: 'math.tanh',
};

interface ManualTanh {
  division: Node;
  exp: Operation;
  /** The text of the tanh's argument. */
  argument: string;
  /** The nodes the argument reads, which must not change before the division. */
  reads: Node;
}

function compact(model: Model, node: Node): string {
  return model.source(unwrap(node)).replace(/\s+/g, '');
}

/** `-a` when `node` is the negation of `a` (`-x` against `x`, `x` against `-x`). */
function isNegationOf(model: Model, node: Node, of: Node): boolean {
  const unary = unaryParts(unwrap(node));
  if (unary?.operator === '-' && compact(model, unary.argument) === compact(model, of)) return true;
  const other = unaryParts(unwrap(of));
  return other?.operator === '-' && compact(model, other.argument) === compact(model, node);
}

/** The operands of `a op b` in any spelling. */
function operands(model: Model, node: Node, operator: string): [Node, Node] | null {
  const arithmetic = model.arithmetic(model.resolve(node));
  return arithmetic?.operator === operator ? [arithmetic.left, arithmetic.right] : null;
}

/** `2 * x`, `x * 2` or `2x`: the half of an exponent, as text. */
function halfOf(model: Model, exponent: Node): string {
  const product = model.arithmetic(unwrap(exponent));
  if (product?.operator === '*') {
    if (numberValue(product.left) === 2) return model.source(product.right);
    if (numberValue(product.right) === 2) return model.source(product.left);
  }
  return `${grouped(model.source(unwrap(exponent)))} / 2`;
}

function manualTanhAt(model: Model, node: Node): ManualTanh | null {
  const division = model.arithmetic(node);
  if (division?.operator !== '/') return null;
  const top = operands(model, division.left, '-');
  const bottom = operands(model, division.right, '+');
  if (!top || !bottom) return null;
  const [a, b] = top.map((side) => expValue(model, side));
  const [c, d] = bottom.map((side) => expValue(model, side));

  // (exp(x) - exp(-x)) / (exp(x) + exp(-x))
  if (a?.input && b?.input && c?.input && d?.input) {
    const matches =
      compact(model, a.input) === compact(model, c.input) &&
      compact(model, b.input) === compact(model, d.input) &&
      isNegationOf(model, a.input, b.input);
    if (!matches) return null;
    return { division: division.node, exp: a, argument: model.source(a.input), reads: a.input };
  }
  // (exp(2x) - 1) / (exp(2x) + 1)
  if (a?.input && isOne(top[1])) {
    const plus = c?.input && isOne(bottom[1]) ? c : d?.input && isOne(bottom[0]) ? d : null;
    if (!plus?.input || compact(model, plus.input) !== compact(model, a.input)) return null;
    return { division: division.node, exp: a, argument: halfOf(model, a.input), reads: a.input };
  }
  return null;
}

export const manualTanh: Rule = {
  meta: {
    code: 'NG104',
    name: 'manual-tanh',
    family: 'exp-overflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'tanh written by hand from exps.',
    explanation:
      'exp overflows float32 above about 88.7, so for large |x| both the numerator and the ' +
      'denominator are inf and the result is inf / inf = NaN, where tanh is simply ±1. Use the ' +
      'library tanh.',
  },
  create(context) {
    const { model } = context;
    return {
      binary: (node) => check(node),
      call: (node) => check(node),
    };

    function check(node: Node): void {
      const tanh = manualTanhAt(model, node);
      // exp of a literal is a constant that the author can see does not overflow.
      if (!tanh?.exp.input || isConstantExponent(model, tanh.exp.input)) return;
      context.report({
        node: tanh.division,
        message: t(
          'tanh by hand from exps: exp overflows float32 above ~88.7, so large |x| gives inf / inf = NaN instead of ±1. Use the library tanh.',
        ),
        fixes: () => buildFixes(tanh),
      });
    }

    function buildFixes(tanh: ManualTanh): Fix[] {
      const name = LIBRARY_TANH[tanh.exp.library];
      if (!name || !stableBetween(model, tanh.reads, tanh.division)) return [];
      const reference = model.reference(name);
      return [
        {
          title: t('Use {0}', reference.text),
          safe: true,
          edits: [
            model.replace(tanh.division, `${reference.text}(${tanh.argument})`),
            ...(reference.importEdit ? [reference.importEdit] : []),
          ],
        },
      ];
    }
  },
};
