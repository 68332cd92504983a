// The shape of a cross-entropy written by hand, read upwards from one of its logs:
//
//   categorical   -sum(y * log(p), axis)   (also `sum(-y * log(p))`, `(-log(p) * y).sum()`, mean)
//   binary        y * log(p) + (1 - y) * log(1 - p)   (also `-y*log(p) - (1-y)*log(1-p)`)
//
// NG204 reports the whole expression; NG201, NG202 and NG203 ask `ownedByCrossEntropy` so that one
// hazard gives one diagnostic.

import type { Node } from 'web-tree-sitter';
import type { Model, Operation } from '../engine/model';
import { axisArgument, probabilityLike } from '../engine/values';
import { parentOf, unaryParts, unwrap } from '../engine/syntax';
import { activationOf } from './activations';
import { isOne, logOperation } from './stable-forms';

export interface CrossEntropyShape {
  kind: 'categorical' | 'binary';
  /** The node a library loss replaces: the reduction, or the sum of the two binary terms. */
  top: Node;
  /** True when `top` is the cross-entropy itself, false when it is its negative. */
  positive: boolean;
  /** The log of p first; for the binary form, the log of 1 - p second. */
  logs: Operation[];
  /** The target `y`, as written beside log(p). */
  target: Node;
  /** The categorical form's sum or mean. */
  reduction: Operation | null;
  /** The statement that keeps the products in a variable read once by the reduction, if any. */
  assignment: Node | null;
}

interface Term {
  log: Operation;
  factor: Node;
  /** The number of minus signs on the term, its factor and its log. */
  negations: number;
}

/** The expression that uses `node`'s value directly, past parentheses and argument lists. */
function consumer(node: Node): { parent: Node; child: Node } | null {
  let child = node;
  let parent = parentOf(node);
  while (parent?.type === 'parenthesized_expression') {
    child = parent;
    parent = parentOf(parent);
  }
  if (!parent) return null;
  if (parent.type === 'argument_list' || parent.type === 'arguments') {
    return parent.parent ? { parent: parent.parent, child } : null;
  }
  // Method form: `(y * log(p)).sum()` reaches the call through its callee.
  if (parent.type === 'attribute' || parent.type === 'member_expression') {
    const call = parent.parent;
    if (call && call.childForFieldName('function')?.id === parent.id)
      return { parent: call, child };
  }
  return { parent, child };
}

function sameNode(a: Node, b: Node): boolean {
  return a.id === b.id || unwrap(a).id === unwrap(b).id;
}

/** `-x` or `neg(x)`: the value negated, when `node` is a negation. */
function negationOf(model: Model, node: Node): Node | null {
  const unary = unaryParts(unwrap(node));
  if (unary?.operator === '-') return unary.argument;
  const operation = model.operation(node);
  return operation?.op === 'neg' && operation.input ? operation.input : null;
}

/** Climbs through minus signs that apply to `node`, counting them. */
function climbNegations(model: Model, node: Node): { node: Node; negations: number } {
  let current = node;
  let negations = 0;
  for (;;) {
    const use = consumer(current);
    const negated = use ? negationOf(model, use.parent) : null;
    if (!use || !negated || !sameNode(negated, use.child)) return { node: current, negations };
    current = use.parent;
    negations++;
  }
}

/** Reads `y * log(p)` (with any minus signs) from the top down. */
function termOf(model: Model, node: Node, depth = 0): Term | null {
  const negated = negationOf(model, node);
  if (negated && depth < 3) {
    const inner = termOf(model, negated, depth + 1);
    return inner ? { ...inner, negations: inner.negations + 1 } : null;
  }
  const product = model.arithmetic(node);
  if (product?.operator !== '*') return null;
  for (const [logSide, factorSide] of [
    [product.left, product.right],
    [product.right, product.left],
  ]) {
    const logNegated = negationOf(model, logSide);
    const log = logOperation(model, logNegated ?? logSide);
    if (!log) continue;
    const factorNegated = negationOf(model, factorSide);
    return {
      log,
      factor: factorNegated ?? factorSide,
      negations: (logNegated ? 1 : 0) + (factorNegated ? 1 : 0),
    };
  }
  return null;
}

function sameValue(model: Model, a: Node, b: Node): boolean {
  return (
    model.source(unwrap(a)).replace(/\s+/g, '') === model.source(unwrap(b)).replace(/\s+/g, '')
  );
}

/** `1 - x` where x is written as `of`. */
function isComplementOf(model: Model, node: Node, of: Node): boolean {
  const arithmetic = model.arithmetic(unwrap(node));
  return (
    arithmetic?.operator === '-' && isOne(arithmetic.left) && sameValue(model, arithmetic.right, of)
  );
}

/**
 * When `use` assigns the value to a plain name (`terms = ...` as a whole statement) that is read
 * exactly once afterwards, that reading and the assignment's statement.
 */
function soleReading(
  model: Model,
  use: { parent: Node; child: Node },
): { identifier: Node; statement: Node } | null {
  const { parent } = use;
  const isPython = parent.type === 'assignment' && parent.parent?.type === 'expression_statement';
  const isScript = parent.type === 'variable_declarator';
  if (!isPython && !isScript) return null;
  const target = parent.childForFieldName(isPython ? 'left' : 'name');
  const value = parent.childForFieldName(isPython ? 'right' : 'value');
  if (target?.type !== 'identifier' || !value || !sameNode(value, use.child)) return null;
  const statement = isPython ? parent.parent : parent.parent;
  if (!statement || (isScript && statement.namedChildren.length !== 1)) return null;

  const scope = model.scopeOf(target);
  const readings = scope
    .descendantsOfType('identifier')
    .filter(
      (identifier): identifier is Node =>
        identifier !== null &&
        identifier.text === target.text &&
        identifier.id !== target.id &&
        model.bindingAt(identifier)?.target.id === target.id,
    );
  return readings.length === 1 ? { identifier: readings[0], statement } : null;
}

/** The cross-entropy that `log` belongs to, or null when the log is not part of one. */
export function crossEntropyAround(model: Model, log: Operation): CrossEntropyShape | null {
  const logClimb = climbNegations(model, log.node);
  const productUse = consumer(logClimb.node);
  if (!productUse) return null;
  const term = termOf(model, productUse.parent);
  if (!term || term.log.node.id !== log.node.id) return null;
  const termClimb = climbNegations(model, productUse.parent);
  let use = consumer(termClimb.node);
  if (!use) return null;
  let negations = term.negations + termClimb.negations;

  const binary = binaryAround(model, use.parent, use.child, term, negations % 2 ? -1 : 1);
  if (binary) return binary;

  // `terms = y * log(p)` and, on a later line, `-terms.sum(axis=1)`: follow the variable to its
  // one reading.
  let assignment: Node | null = null;
  const reading = soleReading(model, use);
  if (reading) {
    assignment = reading.statement;
    const readingClimb = climbNegations(model, reading.identifier);
    use = consumer(readingClimb.node);
    if (!use) return null;
    negations += readingClimb.negations;
  }

  const reduction = model.operation(use.parent);
  if (!reduction || !['sum', 'mean'].includes(reduction.op) || !reduction.input) return null;
  if (!sameNode(reduction.input, use.child)) return null;
  const top = climbNegations(model, reduction.node);
  return {
    kind: 'categorical',
    top: top.node,
    positive: (negations + top.negations) % 2 === 1,
    logs: [term.log],
    target: term.factor,
    reduction,
    assignment,
  };
}

function binaryAround(
  model: Model,
  parent: Node,
  child: Node,
  term: Term,
  sign: number,
): CrossEntropyShape | null {
  const sum = model.arithmetic(parent);
  if (!sum || (sum.operator !== '+' && sum.operator !== '-')) return null;
  const childIsLeft = sameNode(sum.left, child);
  if (!childIsLeft && !sameNode(sum.right, child)) return null;
  const other = termOf(model, childIsLeft ? sum.right : sum.left);
  if (!other || !other.log.input || !term.log.input) return null;

  const otherSign =
    (other.negations % 2 === 0 ? 1 : -1) * (sum.operator === '-' && childIsLeft ? -1 : 1);
  const ownSign = sign * (sum.operator === '-' && !childIsLeft ? -1 : 1);
  if (otherSign !== ownSign) return null;

  // One term holds log(p) and y, the other log(1 - p) and 1 - y.
  let direct = term;
  let complement = other;
  if (isComplementOf(model, term.log.input, other.log.input)) {
    direct = other;
    complement = term;
  }
  if (!direct.log.input || !complement.log.input) return null;
  if (!isComplementOf(model, complement.log.input, direct.log.input)) return null;
  if (!isComplementOf(model, complement.factor, direct.factor)) return null;

  const top = climbNegations(model, sum.node);
  const negative = ownSign * (top.negations % 2 === 0 ? 1 : -1) === 1;
  return {
    kind: 'binary',
    top: top.node,
    positive: !negative,
    logs: [direct.log, complement.log],
    target: direct.factor,
    reduction: null,
    assignment: null,
  };
}

/**
 * Whether NG204 reports this cross-entropy (and the other log rules stay silent on its logs).
 * The binary form always. The categorical form when the library loss can take the whole
 * expression (p is a softmax and the sum runs along an explicit class axis), or when nothing but
 * the cross-entropy's shape, minus sign included, says that p is a probability. A sum over every element with p a
 * softmax, or p a probability of another kind, is left to NG201, NG202 and NG203, whose fixes
 * repair the log in place.
 */
export function ng204Owns(model: Model, shape: CrossEntropyShape): boolean {
  if (shape.kind === 'binary') return true;
  const probability = shape.logs[0].input;
  if (!probability || !shape.reduction) return false;
  const producer = activationOf(model, probability);
  if (producer?.op === 'softmax') return axisArgument(shape.reduction) !== null;
  // With nothing else saying that p is a probability, the minus sign is what makes the sum a
  // cross-entropy: `sum((alpha - 1) * log(x))`, a log-density, is not one.
  return shape.positive && probabilityLike(model, probability) === null;
}

/** True when `log` belongs to a cross-entropy that NG204 reports. */
export function ownedByCrossEntropy(model: Model, log: Operation): boolean {
  const shape = crossEntropyAround(model, log);
  return shape !== null && ng204Owns(model, shape);
}
