// NG303 variance-by-moments: variance computed as E[x²] - E[x]².
//
// What it does: flags `mean(x**2) - mean(x)**2`, `mean(x*x) - mean(x)*mean(x)` and the same
// through variables (`mean2 - mean * mean` with `mean2 = (x * x).mean()` and `mean = x.mean()`),
// in NumPy, PyTorch, TensorFlow and JAX.
// Why is this bad? When the mean is large next to the spread, both terms are huge and nearly
// equal, and their difference keeps only the rounding error: float32 carries about 7 digits, so
// data around 30000 with a standard deviation of 1 loses every digit of the variance. The result
// can even be negative, and sqrt or rsqrt of it is NaN.
// Use instead: the library variance (`np.var`, `torch.var(..., unbiased=False)`,
// `tf.math.reduce_variance`), which subtracts the mean first (two passes).
// Fix safety: safe. Both compute the population variance (divisor n); in exact arithmetic they are
// equal, and the library form is the accurate one.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, memberParts, numberValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { operandText } from './expressions';

export const varianceByMoments: Rule = {
  meta: {
    code: 'NG303',
    name: 'variance-by-moments',
    family: 'precision',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: /mean|average/,
    summary: 'Variance computed as mean(x**2) - mean(x)**2, which cancels catastrophically.',
    explanation:
      'When the mean is large next to the spread, mean(x**2) and mean(x)**2 are huge and nearly ' +
      'equal, and their difference is mostly rounding error (float32 keeps about 7 digits); it can ' +
      'even be negative, making sqrt NaN. Use the library variance, which subtracts the mean first.',
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
      const squares = meanOfSquares(model, difference.left);
      const squaredMean = squares ? meanSquared(model, difference.right) : null;
      if (!squares || !squaredMean) return;
      if (model.source(squares.base) !== model.source(squaredMean.base)) return;

      context.report({
        node: difference.node,
        message: t(
          'Variance as mean of squares minus squared mean: the two terms are nearly equal when the mean is large, so the difference is mostly rounding error and can be negative. Use the library variance.',
        ),
        fixes: () => varianceFix(model, difference.node, squares),
      });
    }
  },
};

interface Moment {
  /** The x whose moments are taken. */
  base: Node;
  mean: Operation;
}

/** `mean(x ** 2)`, `(x * x).mean()`, `mean(square(x))`, looking through a variable. */
function meanOfSquares(model: Model, node: Node): Moment | null {
  const mean = model.operationOf(node);
  if (!mean || mean.op !== 'mean' || !mean.input) return null;
  const base = squaredValue(model, mean.input);
  return base ? { base, mean } : null;
}

/** `m ** 2`, `m * m`, `square(m)` with m = mean(x): the x. */
function meanSquared(model: Model, node: Node): Moment | null {
  const square = squaredValue(model, node);
  if (!square) return null;
  const mean = model.operationOf(square);
  if (!mean || mean.op !== 'mean' || !mean.input) return null;
  return { base: unwrap(mean.input), mean };
}

/** The x of `x ** 2`, `x * x`, `square(x)`, `pow(x, 2)`, looking through a variable. */
function squaredValue(model: Model, node: Node): Node | null {
  const value = model.resolve(node);
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
  if (operation?.op === 'square' && operation.input) return unwrap(operation.input);
  const exponent = operation?.rest[0];
  if (operation?.op === 'pow' && operation.input && exponent && numberValue(exponent) === 2) {
    return unwrap(operation.input);
  }
  return null;
}

const VARIANCE_BY_LIBRARY: Record<string, string> = {
  numpy: 'numpy.var',
  scipy: 'numpy.var',
  jax: 'jax.numpy.var',
  torch: 'torch.var',
  tensorflow: 'tensorflow.math.reduce_variance',
};

/**
 * The arguments a variance accepts in the same places as the mean: an axis and, in NumPy and JAX,
 * a dtype, plus the keep-dimensions flag. A weighted `np.average(x**2, weights=w)` or an output
 * buffer has no counterpart.
 */
const CARRIED_KEYWORDS: Record<string, Set<string>> = {
  numpy: new Set(['axis', 'dtype', 'keepdims']),
  scipy: new Set(['axis', 'dtype', 'keepdims']),
  jax: new Set(['axis', 'dtype', 'keepdims']),
  torch: new Set(['dim', 'keepdim']),
  tensorflow: new Set(['axis', 'keepdims']),
};

function argumentsCarryOver(model: Model, mean: Operation): boolean {
  const allowed = CARRIED_KEYWORDS[mean.library];
  if (!allowed || [...mean.call.keywords.keys()].some((key) => !allowed.has(key))) return false;
  const weighted = (mean.qualified ?? model.source(mean.call.callee)).endsWith('average');
  const positional = weighted || mean.library !== 'numpy' ? 1 : 2;
  return mean.rest.length <= positional;
}

/** `X.multiply(X).mean()` is how SciPy sparse matrices square; they have no `var`. */
function isSparseSquare(model: Model, mean: Operation): boolean {
  const square = mean.input ? callParts(unwrap(mean.input)) : null;
  const member = square ? memberParts(square.callee) : null;
  return member?.property === 'multiply' && mean.library !== 'torch';
}

/**
 * The library variance with the arguments of the mean of squares: `np.var(x, axis=0)`,
 * `x.var(dtype=np.float32)`, `torch.var(x, 1, unbiased=False)` (PyTorch's default divides by
 * n - 1, the moment formula by n).
 */
function varianceFix(model: Model, difference: Node, squares: Moment): Fix[] {
  const { mean, base } = squares;
  const name = VARIANCE_BY_LIBRARY[mean.library];
  if (!name || !stableBetween(model, base, difference)) return [];
  const torch = mean.library === 'torch';
  if (!argumentsCarryOver(model, mean) || isSparseSquare(model, mean)) return [];

  const args = [
    ...mean.rest.map((argument) => model.source(argument)),
    ...[...mean.call.keywords].map(([key, value]) => `${key}=${model.source(value)}`),
    ...(torch ? ['unbiased=False'] : []),
  ];
  if (mean.isMethod) {
    const text = `${operandText(model, base)}.var(${args.join(', ')})`;
    return [
      {
        title: t('Use {0}', text.length <= 40 ? text : '.var()'),
        safe: true,
        edits: [model.replace(difference, text)],
      },
    ];
  }
  const reference = model.reference(name);
  const text = `${reference.text}(${[model.source(base), ...args].join(', ')})`;
  return [
    {
      title: t('Use {0}', reference.text),
      safe: true,
      edits: [
        model.replace(difference, text),
        ...(reference.importEdit ? [reference.importEdit] : []),
      ],
    },
  ];
}
