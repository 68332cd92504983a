// Exponents that are constants the author can read: `np.exp(-k * t_final)` with `k = 4` and
// `t_final = 5` set a few lines above is exp(-20), as plain as `np.exp(-20)`. Test code and
// worked examples write such exps often; the exp rules leave them alone as they leave literals.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import { binaryParts, numberValue, unaryParts, unwrap } from '../engine/syntax';

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

/** True when an exponent is a literal or a constant expression of literals. */
export function isConstantExponent(model: Model, exponent: Node): boolean {
  return constantValue(model, exponent) !== null;
}
