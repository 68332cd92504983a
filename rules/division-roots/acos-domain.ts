// NG504 acos-domain: acos or asin of a computed cosine that is not clipped to [-1, 1].
//
// What it does: flags `np.arccos`, `torch.acos`, `math.acos`, `Math.acos`, `tf.acos` (and the
// asin family) of a value computed as a cosine: `cosine_similarity`, a dot product divided by
// norms, or a dot product, `einsum` or `matmul` of vectors that were divided by their norms,
// when the value is not clipped first.
// Why is this bad? Rounding does not respect the mathematical bound: the cosine of two identical
// unit vectors comes out as 1 + 1.2e-7 in float32 (1 + 2.2e-16 in float64) about as often as 1,
// and acos of anything above 1 is NaN. Under autograd, acos also has an infinite derivative at
// exactly ±1.
// Use instead: clip the cosine: `np.clip(cos, -1.0, 1.0)`, and under autograd stay just inside:
// `cos.clamp(-1 + 1e-7, 1 - 1e-7)`.
// Fix safety: unsafe, but tiny: only values outside the interval (a rounding error away) change,
// plus those within 1e-7 of ±1 under autograd.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, numberValue } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { dependsOn } from '../engine/values';
import { AUTODIFF_LIBRARIES, operandText } from '../precision/expressions';

const CLIPPING_OPERATIONS = ['clamp', 'clamp_min', 'clamp_max', 'minimum', 'maximum'];

export const acosDomain: Rule = {
  meta: {
    code: 'NG504',
    name: 'acos-domain',
    family: 'division-roots',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /acos|asin|arccos|arcsin/,
    summary: 'acos or asin of a computed cosine that is not clipped to [-1, 1].',
    explanation:
      'A cosine computed in floating point can land a rounding error outside [-1, 1]: two ' +
      'identical unit vectors give 1 + 1.2e-7 in float32, and acos of it is NaN. Clip it first: ' +
      'np.clip(cos, -1, 1); under autograd clamp to (-1 + 1e-7, 1 - 1e-7), as the derivative of ' +
      'acos is infinite at ±1.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node) {
        const inverse = model.operation(node);
        if (!inverse || (inverse.op !== 'acos' && inverse.op !== 'asin') || !inverse.input) return;
        if (!isComputedCosine(model, inverse.input) || isClipped(model, inverse.input)) return;
        context.report({
          node,
          message: t(
            '{0} of a computed cosine that is not clipped: rounding can push it just past ±1 (1 + 1.2e-7 in float32 for identical vectors), and {0} of that is NaN. Clip the argument to [-1, 1].',
            inverse.op,
          ),
          fixes: () => clipFix(model, inverse),
        });
      },
    };
  },
};

/** A cosine similarity, a division by a norm, or a product of vectors divided by their norms. */
function isComputedCosine(model: Model, node: Node): boolean {
  return dependsOn(model, node, (value) => {
    const call = callParts(value);
    const name = call ? model.qualifiedName(call.callee) : null;
    if (name?.endsWith('cosine_similarity') || name?.endsWith('.normalize')) return true;
    const division = model.arithmetic(value);
    return division?.operator === '/' && isLength(model, division.right);
  });
}

const LENGTH_FUNCTION_NAME = /norm|magnitude/i;

/**
 * True when a denominator is a vector length: a library norm or hypot, a local function named
 * like one, or the square root of squares, a dot product or a sum. A square root of anything else
 * (`x / sqrt(2n + 1)`) is a scale, not a length.
 */
function isLength(model: Model, node: Node, depth = 0): boolean {
  if (depth > 6) return false;
  const value = model.resolve(node);
  const operation = model.operation(value);
  if (operation?.op === 'norm' || operation?.qualified?.endsWith('.hypot')) return true;
  if (operation?.op === 'sqrt' && operation.input) {
    return dependsOn(model, operation.input, (inner) => isSquareOrProduct(model, inner));
  }
  const call = callParts(value);
  if (call?.callee.type === 'identifier' && LENGTH_FUNCTION_NAME.test(call.callee.text)) {
    return true;
  }
  return value.namedChildren.some((child) => child !== null && isLength(model, child, depth + 1));
}

function isSquareOrProduct(model: Model, value: Node): boolean {
  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '**') return model.source(arithmetic.right) === '2';
  if (arithmetic?.operator === '*') {
    return numberValue(arithmetic.left) === null && numberValue(arithmetic.right) === null;
  }
  const operation = model.operation(value);
  return operation !== null && ['square', 'dot', 'einsum', 'matmul', 'sum'].includes(operation.op);
}

/** Clipped, or bounded by `min`/`max` on one side at least. */
function isClipped(model: Model, node: Node): boolean {
  const operation = model.operationOf(node);
  if (!operation) return false;
  if (CLIPPING_OPERATIONS.includes(operation.op)) return true;
  return (
    ['min', 'max'].includes(operation.op) &&
    (operation.library === 'builtins' || operation.library === 'Math')
  );
}

interface Clip {
  text: string;
  importEdit: ReturnType<Model['reference']>['importEdit'];
}

function clipFix(model: Model, inverse: Operation): Fix[] {
  const input = inverse.input;
  if (!input) return [];
  const clip = clipText(model, inverse, input);
  const bounds = AUTODIFF_LIBRARIES.has(inverse.library) ? '[-1 + 1e-7, 1 - 1e-7]' : '[-1, 1]';
  return [
    {
      title: t('Clip the argument to {0}', bounds),
      safe: false,
      edits: [model.replace(input, clip.text), ...(clip.importEdit ? [clip.importEdit] : [])],
    },
  ];
}

function clipText(model: Model, inverse: Operation, input: Node): Clip {
  const source = model.source(input);
  switch (inverse.library) {
    case 'torch':
      return { text: `${operandText(model, input)}.clamp(-1 + 1e-7, 1 - 1e-7)`, importEdit: null };
    case 'jax':
      return referenceCall(model, 'jax.numpy.clip', `${source}, -1 + 1e-7, 1 - 1e-7`);
    case 'tensorflow':
      return referenceCall(model, 'tensorflow.clip_by_value', `${source}, -1 + 1e-7, 1 - 1e-7`);
    case 'math':
    case 'builtins':
      return { text: `max(-1.0, min(1.0, ${source}))`, importEdit: null };
    case 'Math':
      return { text: `Math.min(1, Math.max(-1, ${source}))`, importEdit: null };
    case 'tfjs':
      return referenceCall(model, 'tfjs.clipByValue', `${source}, -1, 1`);
    default:
      return referenceCall(model, 'numpy.clip', `${source}, -1.0, 1.0`);
  }
}

function referenceCall(model: Model, name: string, args: string): Clip {
  const reference = model.reference(name);
  return { text: `${reference.text}(${args})`, importEdit: reference.importEdit };
}
