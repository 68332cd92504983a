// NG304 manual-hypot: `sqrt(x**2 + y**2)` written out.
//
// What it does: flags the square root of a sum of two squares (`x**2 + y**2`, `x*x + y*y`,
// `square(x) + square(y)`) in NumPy, `math`, `Math`, JAX and PyTorch code. On a differentiable
// path in PyTorch, JAX or TensorFlow the sqrt-at-zero rule reports the same expression instead,
// because `hypot` also has a NaN gradient at (0, 0).
// Why is this bad? The squares overflow long before the length does: float32 squares overflow
// above about 1.8e19 (float64 above about 1.3e154), giving inf for a length that is finite, and
// squares of values below about 1e-23 (float32) underflow to 0, giving a length of 0.
// Use instead: `np.hypot(x, y)`, `math.hypot(x, y)`, `Math.hypot(x, y)`, `torch.hypot(x, y)`,
// which scale internally.
// Fix safety: safe. hypot computes the same length, without the intermediate overflow.
//
// The longer form `sqrt(sum(x**2))` is not rewritten to a library norm: measured here,
// `np.linalg.norm` and `torch.linalg.vector_norm` overflow on the same inputs as the hand-written
// form, so the rewrite would promise a protection it does not give.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Library, Model, Operation } from '../engine/model';
import { numberValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { onDifferentiablePath } from '../division-roots/autodiff-context';

const HYPOT_BY_LIBRARY: Partial<Record<Library, string>> = {
  numpy: 'numpy.hypot',
  scipy: 'numpy.hypot',
  math: 'math.hypot',
  Math: 'Math.hypot',
  jax: 'jax.numpy.hypot',
  torch: 'torch.hypot',
};

export const manualHypot: Rule = {
  meta: {
    code: 'NG304',
    name: 'manual-hypot',
    family: 'precision',
    severity: 'information',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /sqrt/,
    summary: 'sqrt(x**2 + y**2) written out instead of hypot(x, y).',
    explanation:
      'The squares overflow before the length does: above about 1.8e19 in float32 (1.3e154 in ' +
      'float64) x**2 is inf and so is the result, and tiny values square to 0. hypot(x, y) ' +
      'scales internally and returns the true length.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node) {
        const sqrt = model.operation(node);
        if (!sqrt || sqrt.op !== 'sqrt' || !sqrt.input || sqrt.rest.length > 0) return;
        const hypot = HYPOT_BY_LIBRARY[sqrt.library];
        if (!hypot || onDifferentiablePath(model, sqrt)) return;
        const legs = sumOfTwoSquares(model, sqrt.input);
        if (!legs) return;
        context.report({
          node,
          message: t(
            'sqrt(x**2 + y**2) overflows when x or y exceeds ~1.8e19 in float32 (~1.3e154 in float64), although the length itself is finite. Use hypot(x, y).',
          ),
          fixes: () => hypotFix(model, sqrt, hypot, legs),
        });
      },
    };
  },
};

/** The x and y of `x**2 + y**2` (any spelling of the squares), looking through a variable. */
function sumOfTwoSquares(model: Model, node: Node): [Node, Node] | null {
  const sum = model.arithmetic(model.resolve(node));
  if (!sum || sum.operator !== '+') return null;
  const x = squareBase(model, sum.left);
  const y = squareBase(model, sum.right);
  return x && y ? [x, y] : null;
}

function squareBase(model: Model, node: Node): Node | null {
  const value = unwrap(node);
  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '**' && numberValue(arithmetic.right) === 2) {
    return unwrap(arithmetic.left);
  }
  if (
    arithmetic?.operator === '*' &&
    model.source(unwrap(arithmetic.left)) === model.source(unwrap(arithmetic.right))
  ) {
    return unwrap(arithmetic.left);
  }
  const operation = model.operation(value);
  return operation?.op === 'square' && operation.input ? unwrap(operation.input) : null;
}

function hypotFix(model: Model, sqrt: Operation, name: string, legs: [Node, Node]): Fix[] {
  if (!legs.every((leg) => stableBetween(model, leg, sqrt.node))) return [];
  const reference = model.reference(name);
  const text = `${reference.text}(${model.source(legs[0])}, ${model.source(legs[1])})`;
  return [
    {
      title: t('Use {0}', reference.text),
      safe: true,
      edits: [
        model.replace(sqrt.node, text),
        ...(reference.importEdit ? [reference.importEdit] : []),
      ],
    },
  ];
}
