// Guards written as control flow: `if beta > 0: u = u / beta`, `if nv == 0: return 0 * v` before
// `omega / nv`, `a / d if d else 0`, `d != 0 and a / d`, `assert d > 0`. Library code keeps a
// zero away this way far more often than with an epsilon, and the model reads code as
// straight-line, so the rules that worry about a zero ask here whether the code looked first.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import { parentOf, unwrap } from '../engine/syntax';

/** Statements that leave the block, so that the code after an `if` runs only when it is false. */
const EXITS = new Set([
  'return_statement',
  'raise_statement',
  'throw_statement',
  'continue_statement',
  'break_statement',
]);

/** Comparisons that say nothing about zero: `x is None`, `name in table`. */
const NON_NUMERIC_OPERATORS = /^(is|is not|in|not in|instanceof)$/;

const SHAPE_ATTRIBUTES = new Set(['shape', 'size', 'ndim', 'dtype', 'device', 'length']);
const SIZE_FUNCTIONS = new Set(['len', 'isinstance', 'type', 'hasattr', 'callable']);

const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
]);

/**
 * The expressions whose test counts as a guard of `value`: its own text, and for a variable the
 * input of the reduction that produced it and that input's elements (`r = norm([a, b])` is
 * guarded by a test of `b`).
 */
export function guardSubjects(model: Model, value: Node, reducedInput: Node | null): string[] {
  const subjects = new Set<string>([normalized(model.source(unwrap(value)))]);
  if (reducedInput) {
    const input = unwrap(reducedInput);
    subjects.add(normalized(model.source(input)));
    if (input.type === 'list' || input.type === 'tuple' || input.type === 'array') {
      for (const element of input.namedChildren) {
        if (element) subjects.add(normalized(model.source(element)));
      }
    }
  }
  return [...subjects].filter((subject) => subject.length > 0);
}

/**
 * True when `site` runs only after a test of one of `subjects`: inside an `if`, `while`,
 * conditional expression or `and` whose condition tests it, or after an earlier `if` of the same
 * function that tests it and leaves (return, raise, continue, break), or after an `assert` of it.
 */
export function guardedByControlFlow(model: Model, site: Node, subjects: string[]): boolean {
  let child = site;
  for (let current = parentOf(site); current; child = current, current = parentOf(current)) {
    if (enclosingTest(current, child).some((test) => tests(model, test, subjects))) return true;
    if (earlierExit(model, current, child, subjects)) return true;
    if (FUNCTION_TYPES.has(current.type)) return false;
  }
  return false;
}

/** The conditions that decide whether `child`, a part of `node`, runs. */
function enclosingTest(node: Node, child: Node): Node[] {
  switch (node.type) {
    case 'if_statement':
    case 'while_statement': {
      const condition = node.childForFieldName('condition');
      if (!condition || condition.id === child.id) return [];
      // An `elif` runs only when the `if` before it failed, so both conditions speak for it.
      return [condition];
    }
    case 'elif_clause': {
      const condition = node.childForFieldName('condition');
      return condition && condition.id !== child.id ? [condition] : [];
    }
    case 'conditional_expression': {
      // Python writes `body if condition else other`: the condition is the middle child.
      const condition = node.namedChildren[1];
      return condition && condition.id !== child.id ? [condition] : [];
    }
    case 'ternary_expression': {
      const condition = node.childForFieldName('condition');
      return condition && condition.id !== child.id ? [condition] : [];
    }
    case 'boolean_operator':
    case 'binary_expression': {
      const operator = node.childForFieldName('operator')?.text;
      if (operator !== 'and' && operator !== '&&') return [];
      const left = node.childForFieldName('left');
      return left && left.id !== child.id ? [left] : [];
    }
    default:
      return [];
  }
}

/** An earlier statement of the same block that tests a subject and leaves, or asserts it. */
function earlierExit(model: Model, block: Node, child: Node, subjects: string[]): boolean {
  if (!['block', 'module', 'statement_block', 'program'].includes(block.type)) return false;
  for (const statement of block.namedChildren) {
    if (!statement || statement.startIndex >= child.startIndex) break;
    if (statement.type === 'assert_statement') {
      const condition = statement.namedChildren[0];
      if (condition && tests(model, condition, subjects)) return true;
      continue;
    }
    if (statement.type !== 'if_statement' || !leaves(statement)) continue;
    const condition = statement.childForFieldName('condition');
    if (condition && tests(model, condition, subjects)) return true;
  }
  return false;
}

/** True when the `if`'s own branch ends by leaving the block. */
function leaves(statement: Node): boolean {
  const body = statement.childForFieldName('consequence');
  if (!body) return false;
  if (EXITS.has(body.type)) return true;
  const last = body.namedChildren.filter((node) => node && node.type !== 'comment').at(-1);
  return last ? EXITS.has(last.type) : false;
}

/** True when a condition reads one of the subjects in a test that can speak about zero. */
function tests(model: Model, condition: Node, subjects: string[]): boolean {
  const wanted = new Set(subjects);
  const stack: Node[] = [condition];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    if (
      wanted.has(normalized(model.source(node))) &&
      !readsOnlyShape(node) &&
      !inNonNumericComparison(node, condition)
    ) {
      return true;
    }
    for (const next of node.namedChildren) if (next) stack.push(next);
  }
  return false;
}

/** `len(x)`, `x.shape[0]`, `x.ndim`: a test of the size or type of a value, not of its values. */
function readsOnlyShape(node: Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (parent.type === 'attribute' || parent.type === 'member_expression') {
    const property = parent.childForFieldName('attribute') ?? parent.childForFieldName('property');
    return property !== null && SHAPE_ATTRIBUTES.has(property.text);
  }
  if (parent.type === 'argument_list' || parent.type === 'arguments') {
    const callee = parent.parent?.childForFieldName('function');
    return callee !== null && callee !== undefined && SIZE_FUNCTIONS.has(callee.text);
  }
  return false;
}

/** `x is None`, `k in table`: the subject is read, but not compared with a number. */
function inNonNumericComparison(node: Node, condition: Node): boolean {
  for (let current: Node | null = node; current; current = parentOf(current)) {
    if (current.type === 'comparison_operator' || current.type === 'binary_expression') {
      const operators = current.children
        .filter((part) => part && !part.isNamed)
        .map((part) => part?.text ?? '');
      return operators.some((operator) => NON_NUMERIC_OPERATORS.test(operator));
    }
    if (current.id === condition.id) return false;
  }
  return false;
}

function normalized(text: string): string {
  return text.replace(/\s+/g, '');
}
