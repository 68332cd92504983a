// NG502 sqrt-at-zero: sqrt of a value that can be exactly 0, on a differentiable path.
//
// What it does: flags `torch.sqrt`, `x.sqrt()`, `jnp.sqrt` and `tf.sqrt` of a sum or mean of
// squares (`((a - b) ** 2).sum(-1)`, a squared distance, `x * x`), of a variance, or of a sum of
// such terms, when nothing floors the argument (`clamp(min=eps)`, `maximum(v, eps)`, `+ eps`),
// in PyTorch, JAX and TensorFlow code outside `torch.no_grad()`.
// Why is this bad? The derivative of sqrt(v) is 1 / (2 sqrt(v)), infinite at v = 0. A distance
// between identical points, or the norm of a zero vector, is exactly 0: the forward pass is fine,
// but backward multiplies inf by the 0 gradient of the squares and gets NaN, which poisons every
// parameter at the next optimiser step.
// Use instead: clamp the argument to a small minimum inside the sqrt,
// `torch.sqrt(d2.clamp(min=1e-12))`, or use a library norm whose gradient at 0 is defined.
// Fix safety: unsafe. Arguments below the floor change (sqrt(1e-12) = 1e-6 instead of 0).

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { numberValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { epsilonInScope, isEpsilon, parentThroughParentheses } from '../precision/expressions';
import { floorText, onDifferentiablePath } from './autodiff-context';

const MAX_DEPTH = 6;

export const sqrtAtZero: Rule = {
  meta: {
    code: 'NG502',
    name: 'sqrt-at-zero',
    family: 'division-roots',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /sqrt/,
    summary: 'sqrt of a sum of squares or a variance that can be exactly 0, under autograd.',
    explanation:
      'The derivative of sqrt(v) is 1 / (2 sqrt(v)), infinite at v = 0. Distances between ' +
      'identical points and variances of constant values are exactly 0, so backward computes ' +
      'inf * 0 = NaN. Clamp the argument inside the sqrt: sqrt(v.clamp(min=1e-12)).',
  },
  create(context) {
    const { model } = context;
    return {
      call(node) {
        const sqrt = model.operation(node);
        if (!sqrt || sqrt.op !== 'sqrt' || !sqrt.input || sqrt.rest.length > 0) return;
        if (!onDifferentiablePath(model, sqrt) || epsilonAddedAfter(model, sqrt.node)) return;
        if (!canBeZero(model, sqrt.input)) return;
        context.report({
          node,
          message: t(
            'sqrt of a value that can be exactly 0 (a sum of squares, a distance, a variance): its derivative 1 / (2 sqrt(v)) is infinite at 0, so backward gives NaN. Clamp the argument to a small minimum inside the sqrt.',
          ),
          fixes: () => [...normFix(model, sqrt), ...clampFix(model, sqrt)],
        });
      },
    };
  },
};

/**
 * True when a value is non-negative and reaches exactly 0 in ordinary use: a square, a sum or
 * mean of squares, a variance, or a sum of such terms with no positive constant among them.
 */
export function canBeZero(model: Model, node: Node, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const value = model.resolve(node);
  if (isSquare(model, value)) return true;
  const operation = model.operation(value);
  if (operation?.op === 'var') return true;
  if (operation && ['sum', 'mean'].includes(operation.op) && operation.input) {
    return canBeZero(model, operation.input, depth + 1);
  }
  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '+') {
    const terms = [arithmetic.left, arithmetic.right];
    if (terms.some((term) => isEpsilon(model, term) || (numberValue(term) ?? 0) > 0)) return false;
    return terms.some((term) => canBeZero(model, term, depth + 1));
  }
  return false;
}

/** `d ** 2`, `d * d`, `square(d)`, `pow(d, 2)`, `d.pow(2)`. */
function isSquare(model: Model, value: Node): boolean {
  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '**') return numberValue(arithmetic.right) === 2;
  if (arithmetic?.operator === '*') {
    return model.source(arithmetic.left) === model.source(arithmetic.right);
  }
  const operation = model.operation(value);
  if (operation?.op === 'square') return true;
  if (operation?.op === 'pow') {
    const exponent = operation.rest[0] ?? operation.call.keywords.get('exponent');
    return exponent !== undefined && numberValue(exponent) === 2;
  }
  return false;
}

/** `sqrt(v) + eps`: the epsilon-outside-sqrt rule reports that form. */
function epsilonAddedAfter(model: Model, sqrt: Node): boolean {
  const parent = parentThroughParentheses(sqrt);
  const sum = parent ? model.arithmetic(parent) : null;
  if (!sum || sum.operator !== '+') return false;
  return isEpsilon(model, sum.left) || isEpsilon(model, sum.right);
}

/**
 * `torch.sqrt((d ** 2).sum(-1))` is the Euclidean norm of `d`: `torch.linalg.vector_norm(d, dim=-1)`
 * gives the same value and defines the gradient at 0 as 0, so where it applies it is the
 * preferred fix and a safe one.
 */
function normFix(model: Model, sqrt: Operation): Fix[] {
  if (sqrt.library !== 'torch' || !sqrt.input) return [];
  const sum = model.operationOf(sqrt.input);
  if (!sum || sum.op !== 'sum' || !sum.input || sum.rest.length > 1) return [];
  if ([...sum.call.keywords.keys()].some((key) => key !== 'dim' && key !== 'keepdim')) return [];
  const base = squareBase(model, sum.input);
  if (!base || !stableBetween(model, base, sqrt.node)) return [];
  const dim = sum.rest[0] ?? sum.call.keywords.get('dim');
  const keepdim = sum.call.keywords.get('keepdim');
  const args = [
    model.source(base),
    ...(dim ? [`dim=${model.source(dim)}`] : []),
    ...(keepdim ? [`keepdim=${model.source(keepdim)}`] : []),
  ];
  const reference = model.reference('torch.linalg.vector_norm');
  return [
    {
      title: t('Use {0}', reference.text),
      safe: true,
      edits: [
        model.replace(sqrt.node, `${reference.text}(${args.join(', ')})`),
        ...(reference.importEdit ? [reference.importEdit] : []),
      ],
    },
  ];
}

/** The d of `d ** 2`, `d * d`, `square(d)`, `d.pow(2)`, as written. */
function squareBase(model: Model, node: Node): Node | null {
  const value = model.resolve(node);
  if (!isSquare(model, value)) return null;
  const arithmetic = model.arithmetic(value);
  if (arithmetic) return unwrap(arithmetic.left);
  const operation = model.operation(value);
  return operation?.input ? unwrap(operation.input) : null;
}

function clampFix(model: Model, sqrt: Operation): Fix[] {
  if (!sqrt.input) return [];
  const floor = epsilonInScope(model, sqrt.node) ?? '1e-12';
  const clamped = floorText(model, sqrt.library, sqrt.input, floor);
  return [
    {
      title: t('Clamp the argument to at least {0}', floor),
      safe: false,
      edits: [
        model.replace(sqrt.input, clamped.text),
        ...(clamped.importEdit ? [clamped.importEdit] : []),
      ],
    },
  ];
}
