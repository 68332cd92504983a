// Questions about values that several rules ask: is this an exp of something, was it shifted by
// its max, is it a probability, does it have a floor. Each answer looks through local variables
// with the model, so the one-line form and the form spread over lines get the same answer.

import type { Node } from 'web-tree-sitter';
import type { Model, Operation } from './model';
import { callParts, contains, memberParts, numberValue, parentOf, typeOf, unwrap } from './syntax';

const MAX_DEPTH = 6;

/**
 * The `exp` operation that produces `node`'s value: `np.exp(x)`, `x.exp()`, `Math.exp(v)`, an
 * element of `xs.map(v => Math.exp(v))`, or a variable holding one of these.
 */
export function expValue(model: Model, node: Node, depth = 0): Operation | null {
  if (depth > MAX_DEPTH) return null;
  const value = model.resolve(node);
  const operation = model.operation(value);
  if (operation?.op === 'exp') return operation;

  // `xs.map(v => Math.exp(v))` and `[math.exp(v) for v in xs]` hold exps element by element.
  const mapped = mappedBody(value);
  if (mapped) return expValue(model, mapped, depth + 1);

  // A callback parameter standing for an element of such an array: `exps.map(e => e / total)`.
  const element = callbackElementSource(model, value);
  if (element) return expValue(model, element, depth + 1);
  return null;
}

/** The body of an element-wise map: `xs.map(v => body)` or `[body for v in xs]`. */
export function mappedBody(node: Node): Node | null {
  if (node.type === 'list_comprehension' || node.type === 'generator_expression') {
    return node.childForFieldName('body');
  }
  const call = callParts(node);
  if (!call) return null;
  const member = memberParts(call.callee);
  if (!member || member.property !== 'map' || call.args.length === 0) return null;
  const callback = unwrap(call.args[0]);
  if (callback.type !== 'arrow_function' && callback.type !== 'function_expression') return null;
  const body = callback.childForFieldName('body');
  if (!body) return null;
  if (body.type !== 'statement_block') return body;
  const returned = body.namedChildren.find((child) => child?.type === 'return_statement');
  return returned?.namedChildren[0] ?? null;
}

/** For a parameter of a `.map`/`.forEach` callback, the array whose elements it receives. */
function callbackElementSource(model: Model, node: Node): Node | null {
  if (node.type !== 'identifier') return null;
  const binding = model.bindingAt(node);
  if (!binding || binding.kind !== 'parameter') return null;
  let owner: Node | null = parentOf(binding.target);
  while (owner && owner.type !== 'arrow_function' && owner.type !== 'function_expression') {
    owner = parentOf(owner);
  }
  const argumentList = owner?.parent;
  const call = argumentList?.parent;
  if (!owner || !call) return null;
  const parts = callParts(call);
  const member = parts ? memberParts(parts.callee) : null;
  if (!member || !['map', 'forEach', 'reduce'].includes(member.property)) return null;
  return member.object;
}

/**
 * True when an exp's argument is shifted so that it cannot overflow: `x - x.max()`,
 * `x - np.max(x, axis=1, keepdims=True)`, `x - m` with `m` a max, `x - logsumexp(x)`, or an
 * argument that is clamped from above.
 */
export function isShiftedOrBounded(model: Model, argument: Node): boolean {
  const value = model.resolve(argument);
  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '-') {
    if (mentionsOperation(model, arithmetic.right, ['max', 'logsumexp', 'maximum'])) return true;
    if (shiftAssignedInBranches(model, arithmetic.right)) return true;
  }
  const operation = model.operation(value);
  if (
    operation &&
    ['clamp', 'clamp_max', 'minimum', 'log_softmax', 'log_sigmoid'].includes(operation.op)
  ) {
    return true;
  }
  return false;
}

/**
 * True when a shift variable is a max in one of its assignments: `m = np.amax(x)` followed by a
 * branch that resets it (`elif not np.isfinite(m): m = 0`). Straight-line reading sees only the
 * reset, yet the shift is the max wherever the max is finite.
 */
function shiftAssignedInBranches(model: Model, shift: Node): boolean {
  const inner = unwrap(shift);
  if (inner.type !== 'identifier') return false;
  return model
    .bindingsOf(inner.text, inner)
    .some(
      (binding) =>
        binding.kind === 'assignment' &&
        binding.value !== null &&
        binding.target.startIndex < inner.startIndex &&
        mentionsOperation(model, binding.value, ['max', 'logsumexp', 'maximum']),
    );
}

/** True when the expression, looked through variables, uses one of the named operations. */
export function mentionsOperation(model: Model, node: Node, ops: string[], depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const value = model.resolve(node);
  const operation = model.operation(value);
  if (operation && ops.includes(operation.op)) return true;
  // `.values` of a torch max result, subscripts and arithmetic keep the question open.
  for (const child of value.namedChildren) {
    if (child && mentionsOperation(model, child, ops, depth + 1)) return true;
  }
  return false;
}

/**
 * True when `node`'s value is computed from a value that satisfies `test`, looking through
 * variables: a denominator built from the exp it divides, `e.sum()`, or `denom[group]` with
 * `denom = zeros(n).index_add_(0, group, e)`.
 */
export function dependsOn(
  model: Model,
  node: Node,
  test: (value: Node) => boolean,
  depth = 0,
): boolean {
  if (depth > MAX_DEPTH) return false;
  const value = model.resolve(node);
  if (test(value)) return true;
  if (value.type === 'identifier') return false;
  for (const child of value.namedChildren) {
    if (child && dependsOn(model, child, test, depth + 1)) return true;
  }
  return false;
}

/** The axis argument of a reduction: `axis=`/`dim=` keywords or the first positional after the input. */
export function axisArgument(operation: Operation): Node | null {
  const keyword =
    operation.call.keywords.get('axis') ??
    operation.call.keywords.get('dim') ??
    operation.call.keywords.get('axes');
  if (keyword) return keyword;
  return operation.rest[0] ?? null;
}

export type ProbabilitySource = 'softmax' | 'sigmoid' | 'normalized' | 'complement' | 'named';

export interface Probability {
  source: ProbabilitySource;
  /** The node that makes it a probability: the softmax call, the division by a sum. */
  origin: Node;
}

// JavaScript spells the same names in camelCase (`tokenProbs`, `classProbabilities`).
export const PROBABILITY_NAME =
  /^(probs?|probabilities|probability|.*_probs?|probs?_.*|likelihoods?|.*_likelihoods?)$|^[a-z]\w*(Probs?|Probabilities|Likelihoods?)$/i;

/**
 * Whether a value is a probability in [0, 1] that can reach exactly 0 (or 1): a softmax or sigmoid
 * output, one minus such a value, a value divided by its own sum, an average of probabilities,
 * or a variable or parameter whose name says it holds probabilities.
 */
export function probabilityLike(model: Model, node: Node, depth = 0): Probability | null {
  if (depth > MAX_DEPTH) return null;
  const value = model.resolve(node);
  const operation = model.operation(value);
  if (operation?.op === 'softmax') return { source: 'softmax', origin: value };
  if (operation?.op === 'sigmoid') return { source: 'sigmoid', origin: value };
  if (operation && ['sum', 'mean'].includes(operation.op) && operation.input) {
    const inner = probabilityLike(model, operation.input, depth + 1);
    if (inner && operation.op === 'mean') return inner;
  }

  const arithmetic = model.arithmetic(value);
  if (arithmetic?.operator === '-' && numberValue(arithmetic.left) === 1) {
    const inner = probabilityLike(model, arithmetic.right, depth + 1);
    if (inner) return { source: 'complement', origin: inner.origin };
  }
  if (arithmetic?.operator === '/') {
    if (dividesBySelf(model, arithmetic.left, arithmetic.right)) {
      return { source: 'normalized', origin: value };
    }
    // An average of probabilities: `probs.sum(0) / n`.
    const numerator = model.operation(model.resolve(arithmetic.left));
    if (numerator && ['sum', 'mean'].includes(numerator.op) && numerator.input) {
      const inner = probabilityLike(model, numerator.input, depth + 1);
      if (inner) return inner;
    }
  }

  const named = value.type === 'identifier' ? value : null;
  if (named && PROBABILITY_NAME.test(named.text)) return { source: 'named', origin: named };
  const element = subscriptBase(value);
  if (element && PROBABILITY_NAME.test(element.text)) return { source: 'named', origin: element };
  return null;
}

function subscriptBase(node: Node): Node | null {
  if (node.type !== 'subscript' && node.type !== 'subscript_expression') return null;
  const base = node.childForFieldName('value') ?? node.childForFieldName('object');
  return base?.type === 'identifier' ? base : null;
}

/** `x / x.sum()`, `x / np.sum(x, axis=1)`: a value divided by its own total. */
function dividesBySelf(model: Model, numerator: Node, denominator: Node): boolean {
  const total = model.operation(model.resolve(denominator));
  if (!total || total.op !== 'sum' || !total.input) return false;
  const left = model.resolve(numerator);
  const summed = model.resolve(total.input);
  return left.id === summed.id || model.source(left) === model.source(summed);
}

/**
 * True when a value has a floor that keeps it away from 0 before a log or a division: `p + eps`,
 * `clamp(p, min=eps)`, `np.clip(p, eps, 1)`, `np.maximum(p, eps)`, `max(p, eps)`.
 */
export function hasFloor(model: Model, node: Node): boolean {
  const value = model.resolve(node);
  if (model.arithmetic(value)?.operator === '+') return true;
  const operation = model.operation(value);
  if (!operation) return false;
  if (['clamp', 'clamp_min', 'maximum', 'where'].includes(operation.op)) return true;
  // `max(p, eps)` and `Math.max(p, eps)` floor a scalar; `np.max(p)` is a reduction.
  return (
    operation.op === 'max' && (operation.library === 'builtins' || operation.library === 'Math')
  );
}

/** The identifiers that an expression reads, for checking that a fix can move it elsewhere. */
export function identifiersIn(node: Node): Node[] {
  const inner = unwrap(node);
  if (inner.type === 'identifier') return [inner];
  return inner.descendantsOfType('identifier').filter((child): child is Node => child !== null);
}

/**
 * True when `expression` (written at its own place) means the same thing at `site`: none of the
 * names it reads is assigned in between. In between counts an assignment of the expression's
 * own result to one of its names (`x = np.exp(x)`, which rebinds `x` once it is evaluated), and
 * any assignment inside a loop that repeats `site` but not `expression`: the next time round,
 * `site` sees the name as the loop left it.
 */
export function stableBetween(model: Model, expression: Node, site: Node): boolean {
  const from = Math.min(expression.endIndex, site.startIndex);
  const to = Math.max(expression.endIndex, site.startIndex);
  // Found only when a name is assigned after the site: a loop's write that reaches the site on
  // the next pass comes later in the text (one in between is caught as such).
  let loops: Node[] | null = null;
  const inRepeatingLoop = (target: Node): boolean => {
    if (target.startIndex < site.endIndex) return false;
    loops ??= loopsRepeating(site, expression);
    return loops.some((loop) => contains(loop, target));
  };
  return identifiersIn(expression).every((identifier) => {
    const name = identifier.text;
    if (model.reassignedBetween(name, site, from, to)) return false;
    return !model
      .bindingsOf(name, site)
      .some(
        (binding) =>
          (binding.value !== null &&
            binding.kind !== 'import' &&
            contains(binding.value, expression) &&
            !contains(binding.value, site) &&
            expression.endIndex <= site.startIndex) ||
          inRepeatingLoop(binding.target),
      );
  });
}

const LOOP_TYPES = new Set([
  'for_statement',
  'while_statement',
  'for_in_statement',
  'do_statement',
]);

/** The loops around `site` that do not hold `expression`: those run `site` again without it. */
function loopsRepeating(site: Node, expression: Node): Node[] {
  const loops: Node[] = [];
  for (let current = parentOf(site); current; current = parentOf(current)) {
    if (contains(current, expression)) break;
    if (LOOP_TYPES.has(typeOf(current))) loops.push(current);
  }
  return loops;
}
