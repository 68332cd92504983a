// Grammar-neutral reading of tree-sitter nodes. Python and TypeScript name the same constructs
// differently (`call` and `call_expression`, `attribute` and `member_expression`); the helpers here
// answer in one vocabulary so that a rule written once serves both languages.

import type { Node } from 'web-tree-sitter';
import type { Dialect, LanguageId, NodeEvent } from './types';

/**
 * Readings of nodes, remembered while one analysis runs. Every rule asks about the same calls and
 * each question costs several calls into WebAssembly; node ids are unique within one tree, so the
 * cache lives exactly as long as one analysis (see `withNodeCache`). One map per kind of reading,
 * keyed by the numeric id: no key strings to build for every question.
 */
type Reading =
  | 'type'
  | 'text'
  | 'member'
  | 'call'
  | 'callee'
  | 'calleeName'
  | 'binary'
  | 'assignment'
  | 'unwrap'
  | 'parent';
export type NodeCache = Record<Reading, Map<number, unknown>>;
let nodeCache: NodeCache | null = null;

/**
 * Runs `run` with a fresh cache, or with `cache` from an earlier run over the same, unchanged
 * tree (the lazy fixes of an analysis read the nodes the analysis read).
 */
export function withNodeCache<T>(run: () => T, cache?: NodeCache): T {
  const outer = nodeCache;
  nodeCache = cache ?? {
    type: new Map(),
    text: new Map(),
    member: new Map(),
    call: new Map(),
    callee: new Map(),
    calleeName: new Map(),
    binary: new Map(),
    assignment: new Map(),
    unwrap: new Map(),
    parent: new Map(),
  };
  try {
    return run();
  } finally {
    nodeCache = outer;
  }
}

/** The cache of the run in progress, to hand to a later run over the same tree. */
export function currentNodeCache(): NodeCache | null {
  return nodeCache;
}

function remembered<T>(kind: Reading, node: Node, read: (node: Node) => T): T {
  if (!nodeCache) return read(node);
  const cache = nodeCache[kind];
  const known = cache.get(node.id);
  if (known !== undefined) return known as T;
  const value = read(node);
  cache.set(node.id, value);
  return value;
}

/**
 * A node's type. Each `node.type` is a call into WebAssembly (about 0.3 µs) and rules ask it of
 * the same nodes over and over; during an analysis the answer is kept by node id. This and
 * `textOf` are the engine's most frequent calls, so they are written out rather than going
 * through `remembered` (measured about 5% of an analysis).
 */
export function typeOf(node: Node): string {
  const cache = nodeCache?.type;
  if (!cache) return node.type;
  let type = cache.get(node.id) as string | undefined;
  if (type === undefined) {
    type = node.type;
    cache.set(node.id, type);
  }
  return type;
}

/** A node's source text, kept by node id during an analysis like its type. */
export function textOf(node: Node): string {
  const cache = nodeCache?.text;
  if (!cache) return node.text;
  let text = cache.get(node.id) as string | undefined;
  if (text === undefined) {
    text = node.text;
    cache.set(node.id, text);
  }
  return text;
}

/** The rule dialect of a language: Python, or TypeScript and JavaScript together. */
export function dialectOf(language: LanguageId): Dialect {
  return language === 'python' ? 'python' : 'ts';
}

const EVENT_BY_TYPE: Record<Dialect, Record<string, NodeEvent>> = {
  python: {
    call: 'call',
    binary_operator: 'binary',
    comparison_operator: 'comparison',
    augmented_assignment: 'augmentedAssignment',
    assignment: 'assignment',
    expression_statement: 'expressionStatement',
    integer: 'number',
    float: 'number',
    identifier: 'identifier',
    attribute: 'memberAccess',
    with_statement: 'with',
    for_statement: 'loop',
    while_statement: 'loop',
    function_definition: 'function',
    lambda: 'function',
  },
  ts: {
    call_expression: 'call',
    new_expression: 'call',
    binary_expression: 'binary',
    augmented_assignment_expression: 'augmentedAssignment',
    assignment_expression: 'assignment',
    variable_declarator: 'assignment',
    expression_statement: 'expressionStatement',
    number: 'number',
    identifier: 'identifier',
    member_expression: 'memberAccess',
    for_statement: 'loop',
    for_in_statement: 'loop',
    while_statement: 'loop',
    do_statement: 'loop',
    function_declaration: 'function',
    function_expression: 'function',
    arrow_function: 'function',
    method_definition: 'function',
    generator_function_declaration: 'function',
  },
};

const COMPARISON_OPERATORS = new Set(['==', '!=', '===', '!==', '<', '>', '<=', '>=']);

export function eventOf(node: Node, dialect: Dialect): NodeEvent | undefined {
  const event = EVENT_BY_TYPE[dialect][typeOf(node)];
  if (event === 'binary' && dialect === 'ts') {
    const operator = node.childForFieldName('operator')?.type;
    if (operator && COMPARISON_OPERATORS.has(operator)) return 'comparison';
  }
  return event;
}

/** The node types that raise the given events, for collecting them in one pass. */
export function eventTypes(dialect: Dialect, events: Set<NodeEvent>): string[] {
  return Object.entries(EVENT_BY_TYPE[dialect])
    .filter(([, event]) => events.has(event) || (event === 'binary' && events.has('comparison')))
    .map(([type]) => type);
}

export const SCOPE_TYPES: Record<Dialect, Set<string>> = {
  python: new Set([
    'module',
    'function_definition',
    'lambda',
    'class_definition',
    'list_comprehension',
    'set_comprehension',
    'dictionary_comprehension',
    'generator_expression',
  ]),
  ts: new Set([
    'program',
    'function_declaration',
    'function_expression',
    'arrow_function',
    'method_definition',
    'generator_function_declaration',
    'class_body',
  ]),
};

export function isScope(node: Node, dialect: Dialect): boolean {
  return SCOPE_TYPES[dialect].has(typeOf(node));
}

export function isLoop(node: Node, dialect: Dialect): boolean {
  return EVENT_BY_TYPE[dialect][typeOf(node)] === 'loop';
}

export function isFunction(node: Node, dialect: Dialect): boolean {
  return EVENT_BY_TYPE[dialect][typeOf(node)] === 'function';
}

/** Removes the wrappers that do not change a value: parentheses, TS casts and non-null marks. */
export function unwrap(node: Node): Node {
  // Deeply nested parentheses are each unwrapped by every rule that looks at an ancestor, so the
  // answer for the node and every wrapper passed on the way down is remembered for the analysis.
  const passed: Node[] = [];
  let current = node;
  let result: Node | null = null;
  while (result === null) {
    const known = nodeCache?.unwrap.get(current.id) as Node | undefined;
    if (known) {
      result = known;
      break;
    }
    if (!WRAPPER_TYPES.has(typeOf(current))) {
      result = current;
      passed.push(current);
      break;
    }
    const inner = current.namedChildren.find((child) => child !== null && !isTypeNode(child));
    if (!inner) {
      result = current;
      break;
    }
    passed.push(current);
    current = inner;
  }
  if (nodeCache) for (const wrapper of passed) nodeCache.unwrap.set(wrapper.id, result);
  return result;
}

const WRAPPER_TYPES = new Set([
  'parenthesized_expression',
  'non_null_expression',
  'as_expression',
  'satisfies_expression',
  'type_assertion',
]);

function isTypeNode(node: Node): boolean {
  const type = typeOf(node);
  return type.endsWith('type') || type.includes('type_') || type === 'comment';
}

export function isIdentifier(node: Node): boolean {
  return typeOf(node) === 'identifier';
}

/** `a.b` in either grammar: the object and the property name. */
export function memberParts(node: Node): { object: Node; property: string } | null {
  return remembered('member', node, readMemberParts);
}

function readMemberParts(node: Node): { object: Node; property: string } | null {
  if (typeOf(node) === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    return object && attribute ? { object, property: textOf(attribute) } : null;
  }
  if (typeOf(node) === 'member_expression') {
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    return object && property ? { object, property: textOf(property) } : null;
  }
  return null;
}

export interface CallParts {
  callee: Node;
  args: Node[];
  keywords: Map<string, Node>;
  /** The argument list node, useful for edits that add an argument. */
  argumentList: Node | null;
}

/** The called expression of a call or `new` expression (`np.exp` in `np.exp(x)`), or null. */
export function calleeOf(node: Node): Node | null {
  return remembered('callee', node, readCallee);
}

function readCallee(node: Node): Node | null {
  const type = typeOf(node);
  if (type === 'call' || type === 'call_expression') return node.childForFieldName('function');
  if (type === 'new_expression') return node.childForFieldName('constructor');
  return null;
}

/**
 * The last name of the called expression: `step` for `opt.step()`, `softmax` for
 * `softmax(x)`; null when the callee is no name (`fns[0](x)`). Rules read it to pass over the
 * many calls that cannot concern them before reading the arguments.
 */
export function calleeLastName(node: Node): string | null {
  return remembered('calleeName', node, readCalleeLastName);
}

function readCalleeLastName(node: Node): string | null {
  const callee = calleeOf(node);
  if (!callee) return null;
  if (typeOf(callee) === 'identifier') return textOf(callee);
  return memberParts(callee)?.property ?? null;
}

export function callParts(node: Node): CallParts | null {
  return remembered('call', node, readCallParts);
}

function readCallParts(node: Node): CallParts | null {
  const callee = calleeOf(node);
  if (!callee) return null;
  const argumentList = node.childForFieldName('arguments');
  const args: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const child of argumentList?.namedChildren ?? []) {
    if (!child || typeOf(child) === 'comment') continue;
    if (typeOf(child) === 'keyword_argument') {
      const name = child.childForFieldName('name');
      const value = child.childForFieldName('value');
      if (name && value) keywords.set(textOf(name), value);
    } else {
      args.push(child);
    }
  }
  return { callee, args, keywords, argumentList };
}

export interface AssignmentParts {
  left: Node;
  /** The assigned value; for `x += 1`, the right-hand side. */
  right: Node;
}

/**
 * The two sides of an assignment in either grammar: `x = v` and `x += v` in Python, and
 * `x = v`, `x += v` in TypeScript; null for other nodes and for an annotation with no value.
 */
export function assignmentParts(node: Node): AssignmentParts | null {
  return remembered('assignment', node, readAssignmentParts);
}

function readAssignmentParts(node: Node): AssignmentParts | null {
  const type = typeOf(node);
  if (
    type !== 'assignment' &&
    type !== 'augmented_assignment' &&
    type !== 'assignment_expression' &&
    type !== 'augmented_assignment_expression'
  ) {
    return null;
  }
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  return left && right ? { left, right } : null;
}

export interface BinaryParts {
  left: Node;
  operator: string;
  right: Node;
}

export function binaryParts(node: Node): BinaryParts | null {
  return remembered('binary', node, readBinaryParts);
}

function readBinaryParts(node: Node): BinaryParts | null {
  if (typeOf(node) !== 'binary_operator' && typeOf(node) !== 'binary_expression') return null;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const operator = node.childForFieldName('operator');
  if (!left || !right || !operator) return null;
  return { left, operator: typeOf(operator), right };
}

export function unaryParts(node: Node): { operator: string; argument: Node } | null {
  if (typeOf(node) !== 'unary_operator' && typeOf(node) !== 'unary_expression') return null;
  const argument = node.childForFieldName('argument');
  const operator = node.childForFieldName('operator');
  if (!argument || !operator) return null;
  return { operator: typeOf(operator), argument };
}

/** The operands and operators of a comparison, `a == b` or Python's chained `a < b < c`. */
export function comparisonParts(node: Node): { operands: Node[]; operators: string[] } | null {
  if (typeOf(node) === 'comparison_operator') {
    const operands = node.namedChildren.filter((child): child is Node => child !== null);
    const operators = node.children
      .filter((child): child is Node => child !== null && !child.isNamed)
      .map((child) => typeOf(child));
    return { operands, operators };
  }
  const binary = binaryParts(node);
  if (!binary || !COMPARISON_OPERATORS.has(binary.operator)) return null;
  return { operands: [binary.left, binary.right], operators: [binary.operator] };
}

/** The numeric value of a literal, including a sign and Python's `1_000` and `float('inf')`. */
export function numberValue(node: Node): number | null {
  const inner = unwrap(node);
  if (typeOf(inner) === 'integer' || typeOf(inner) === 'float' || typeOf(inner) === 'number') {
    const value = Number(inner.text.replace(/_/g, '').replace(/[jJnN]$/, ''));
    return Number.isNaN(value) ? null : value;
  }
  const unary = unaryParts(inner);
  if (unary && (unary.operator === '-' || unary.operator === '+')) {
    const value = numberValue(unary.argument);
    if (value === null) return null;
    return unary.operator === '-' ? -value : value;
  }
  return null;
}

/** The text of a string literal without its quotes, or null when the node is not one. */
export function stringValue(node: Node): string | null {
  const inner = unwrap(node);
  if (typeOf(inner) !== 'string') return null;
  if (inner.namedChildren.some((child) => child?.type === 'interpolation')) return null;
  const parts = inner.namedChildren.filter(
    (child) => child?.type === 'string_content' || child?.type === 'string_fragment',
  );
  return parts.map((part) => part?.text ?? '').join('');
}

/** The statement that contains `node`, the unit that line-level edits insert around. */
export function enclosingStatement(node: Node): Node {
  let current: Node = node;
  for (let parent = parentOf(current); parent; parent = parentOf(current)) {
    if (
      typeOf(parent) === 'block' ||
      typeOf(parent) === 'module' ||
      typeOf(parent) === 'program' ||
      typeOf(parent) === 'statement_block'
    ) {
      return current;
    }
    current = parent;
  }
  return current;
}

/**
 * The parent of a node. tree-sitter keeps no parent links: each `parent` walks down from the
 * root, so climbing from a node at depth d costs d² steps, and a rule that climbs from every node
 * of a deeply nested expression becomes cubic. Remembered, each parent is found once.
 */
export function parentOf(node: Node): Node | null {
  return remembered('parent', node, (inner) => inner.parent);
}

/** True when `inner` lies within `outer` (or is it). */
export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}
