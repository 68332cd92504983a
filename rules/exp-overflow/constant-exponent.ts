// Exponents that are constants the author can read: `np.exp(-k * t_final)` with `k = 4` and
// `t_final = 5` set a few lines above is exp(-20), as plain as `np.exp(-20)`. Test code and
// worked examples write such exps often; the exp rules leave them alone as they leave literals.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import {
  binaryParts,
  callParts,
  memberParts,
  numberValue,
  unaryParts,
  unwrap,
} from '../engine/syntax';

const MAX_DEPTH = 8;

/** The value of an exponent built only from number literals, directly or through variables. */
export function constantValue(model: Model, node: Node, depth = 0): number | null {
  if (depth > MAX_DEPTH) return null;
  const value = unwrap(model.resolve(node));
  const literal = numberValue(value);
  if (literal !== null) return literal;
  const unary = unaryParts(value);
  if (unary) {
    const inner = constantValue(model, unary.argument, depth + 1);
    if (inner === null) return null;
    return unary.operator === '-' ? -inner : unary.operator === '+' ? inner : null;
  }
  const binary = binaryParts(value);
  if (!binary) return null;
  const left = constantValue(model, binary.left, depth + 1);
  const right = left === null ? null : constantValue(model, binary.right, depth + 1);
  if (left === null || right === null) return null;
  const result = combine(binary.operator, left, right);
  return result !== null && Number.isFinite(result) ? result : null;
}

function combine(operator: string, left: number, right: number): number | null {
  switch (operator) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return left / right;
    case '**':
      return left ** right;
    default:
      return null;
  }
}

/**
 * Random draws whose values stay far below exp's overflow threshold: uniform draws lie in [0, 1),
 * standard normal draws beyond 38 have probability below 1e-300.
 */
const BOUNDED_DRAWS = new Set([
  'rand',
  'random',
  'random_sample',
  'uniform',
  'randn',
  'standard_normal',
  'rand_like',
  'randn_like',
]);

/** A scale up to this keeps a bounded draw well below 88.7, where float32 exp overflows. */
const MAX_DRAW_SCALE = 10;

/**
 * True when an exponent is a literal, a constant expression of literals, or freshly drawn test
 * data (`rng.rand(n)`, `torch.randn(3, 5)`, negated or scaled by a small constant).
 */
export function isConstantExponent(model: Model, exponent: Node): boolean {
  return constantValue(model, exponent) !== null || isBoundedDraw(model, exponent, 0);
}

function isBoundedDraw(model: Model, node: Node, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const value = unwrap(model.resolve(node));
  const unary = unaryParts(value);
  if (unary) return unary.operator === '-' && isBoundedDraw(model, unary.argument, depth + 1);
  const binary = binaryParts(value);
  if (binary && (binary.operator === '*' || binary.operator === '/')) {
    const [draw, scale] =
      constantValue(model, binary.left) !== null && binary.operator === '*'
        ? [binary.right, binary.left]
        : [binary.left, binary.right];
    const factor = constantValue(model, scale);
    if (factor === null) return false;
    const magnitude = binary.operator === '*' ? Math.abs(factor) : 1 / Math.abs(factor);
    return magnitude <= MAX_DRAW_SCALE && isBoundedDraw(model, draw, depth + 1);
  }
  const call = callParts(value);
  if (!call) return false;
  const member = memberParts(call.callee);
  const name = member ? member.property : call.callee.text;
  // `uniform(low, high)` is bounded only by its arguments; the others have fixed scales.
  if (name === 'uniform') return call.args.length === 0 && call.keywords.size <= 1;
  return BOUNDED_DRAWS.has(name) && !call.keywords.has('scale') && !call.keywords.has('std');
}
