// Small text helpers that the precision, underflow, division-roots and comparisons rules share
// when they write a fix: when an operand needs parentheses, how to negate one, how to name a
// sibling function of the library a call came from (`np.log` → `np.log1p`), and which epsilon
// the surrounding code already defines.

import type { Node } from 'web-tree-sitter';
import type { Library, Model, Operation, Reference } from '../engine/model';
import { numberValue, parentOf, unaryParts, unwrap } from '../engine/syntax';
import type { TextEdit } from '../engine/types';

/** Node kinds that bind tighter than any operator, so they never need parentheses. */
const ATOMIC_TYPES = new Set([
  'identifier',
  'attribute',
  'member_expression',
  'call',
  'call_expression',
  'subscript',
  'subscript_expression',
  'integer',
  'float',
  'number',
  'string',
  'parenthesized_expression',
  'list',
  'tuple',
  'array',
  'true',
  'false',
  'none',
  'this',
]);

export function isAtomic(node: Node): boolean {
  return ATOMIC_TYPES.has(node.type);
}

/** The operand's source, in parentheses unless it binds tighter than any operator. */
export function operandText(model: Model, node: Node): string {
  const text = model.source(node);
  if (isAtomic(node) && !(numberValue(node) !== null && text.startsWith('-'))) return text;
  return `(${text})`;
}

/**
 * A written expression as an operand: a name, a call chain or a parenthesised group as it is,
 * anything with an operator at its top level in parentheses.
 */
export function textAsOperand(text: string): string {
  return isSingleOperand(text) ? text : `(${text})`;
}

function isSingleOperand(text: string): boolean {
  let depth = 0;
  for (const character of text) {
    if ('([{'.includes(character)) depth++;
    else if (')]}'.includes(character)) depth--;
    else if (depth === 0 && !/[\w.$]/.test(character)) return false;
  }
  return depth === 0 && text.length > 0 && !/^\d/.test(text);
}

/**
 * An edit that replaces an expression with `text`, dropping parentheses around it that the new
 * text no longer needs: `(math.exp(x) - 1) / x` becomes `math.expm1(x) / x`.
 */
export function replaceValue(model: Model, node: Node, text: string): TextEdit {
  const parent = node.parent;
  if (parent?.type === 'parenthesized_expression' && textAsOperand(text) === text) {
    return model.replace(parent, text);
  }
  return model.replace(node, text);
}

/** The negation of an operand: `-x`, `y` for `-y`, `-(a + b)`. */
export function negatedText(model: Model, node: Node): string {
  const inner = unwrap(node);
  const unary = unaryParts(inner);
  if (unary?.operator === '-') return model.source(unary.argument);
  return `-${operandText(model, inner)}`;
}

/** The libraries whose code is usually differentiated, where a gradient of inf or NaN matters. */
export const AUTODIFF_LIBRARIES: ReadonlySet<Library> = new Set(['torch', 'jax', 'tensorflow']);

/** Functions that TensorFlow 2 offers under `tf.math` only. */
const TENSORFLOW_MATH_ONLY = new Set(['log1p', 'expm1', 'log']);

/**
 * The name of a sibling of a function-form call in the same module: `np.log` → `np.log1p`,
 * `tf.math.log` → `tf.math.log1p`, `Math.log` → `Math.log1p`. TensorFlow keeps its special
 * functions under `tf.math`, so a plain `tf.log` maps there.
 */
export function siblingReference(model: Model, operation: Operation, name: string): Reference {
  const qualified = operation.qualified ?? '';
  const module = qualified.slice(0, qualified.lastIndexOf('.'));
  if (module === 'tensorflow' && TENSORFLOW_MATH_ONLY.has(name)) {
    return model.reference(`tensorflow.math.${name}`);
  }
  return model.reference(`${module}.${name}`);
}

/**
 * A call to a sibling function in the form the original call used: a function through the file's
 * imports, or a method on the argument. A node argument is written as it stands; a text argument
 * (a negation, a sum) is put in parentheses when it becomes a method's receiver.
 */
export function siblingCall(
  model: Model,
  operation: Operation,
  name: string,
  argument: Node | string,
): { text: string; edits: TextEdit[]; display: string } {
  if (operation.isMethod) {
    const receiver =
      typeof argument === 'string' ? textAsOperand(argument) : operandText(model, argument);
    const text = `${receiver}.${name}()`;
    return { text, edits: [], display: text.length <= 40 ? text : `.${name}()` };
  }
  const reference = siblingReference(model, operation, name);
  const argumentText = typeof argument === 'string' ? argument : model.source(argument);
  return {
    text: `${reference.text}(${argumentText})`,
    edits: reference.importEdit ? [reference.importEdit] : [],
    display: reference.text,
  };
}

const EPSILON_NAME = /^(eps|epsilon|EPS|EPSILON)$/;

/**
 * The name of an epsilon visible at `at` (a parameter or variable called `eps` or `epsilon`), so
 * that a fix reuses the tolerance the author already chose; null when there is none.
 */
export function epsilonInScope(model: Model, at: Node): string | null {
  for (const name of ['eps', 'epsilon', 'EPS', 'EPSILON']) {
    if (model.bindingsOf(name, at).length > 0) return name;
  }
  return null;
}

/** True when a value is an epsilon: a positive literal below 1e-2, or a name that says so. */
export function isEpsilon(model: Model, node: Node): boolean {
  const inner = unwrap(node);
  const value = numberValue(inner);
  if (value !== null) return value > 0 && value < 1e-2;
  if (inner.type === 'identifier' && EPSILON_NAME.test(inner.text)) return true;
  const resolved = model.resolve(inner);
  const resolvedValue = numberValue(resolved);
  if (resolvedValue !== null) return resolvedValue > 0 && resolvedValue < 1e-2;
  return /(^|[._])(eps|epsilon)$/i.test(model.source(inner));
}

/** True when a value is the literal 1 (`1`, `1.0`, `1.`). */
export function isOne(node: Node): boolean {
  return numberValue(node) === 1;
}

/** The statement-level parent of an expression, looking through parentheses. */
export function parentThroughParentheses(node: Node): Node | null {
  let parent = parentOf(node);
  while (parent?.type === 'parenthesized_expression') parent = parentOf(parent);
  return parent;
}

/**
 * The negation of a value in the library's own terms: `-x` in Python and for plain JavaScript
 * numbers, `tf.neg(x)` or `x.neg()` for TensorFlow.js tensors, which have no operator overloads.
 */
export function negation(
  model: Model,
  operation: Operation,
  value: Node | string,
): { text: string; edits: TextEdit[] } {
  if (operation.library !== 'tfjs') {
    const text = typeof value === 'string' ? `-${value}` : negatedText(model, value);
    return { text, edits: [] };
  }
  const text = typeof value === 'string' ? value : model.source(value);
  if (operation.isMethod) {
    const receiver = typeof value === 'string' ? textAsOperand(text) : operandText(model, value);
    return { text: `${receiver}.neg()`, edits: [] };
  }
  const reference = model.reference('tfjs.neg');
  return {
    text: `${reference.text}(${text})`,
    edits: reference.importEdit ? [reference.importEdit] : [],
  };
}
