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
type Reading = 'member' | 'call' | 'binary' | 'unwrap';
let nodeCache: Record<Reading, Map<number, unknown>> | null = null;

export function withNodeCache<T>(run: () => T): T {
  const outer = nodeCache;
  nodeCache = { member: new Map(), call: new Map(), binary: new Map(), unwrap: new Map() };
  try {
    return run();
  } finally {
    nodeCache = outer;
  }
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
  const event = EVENT_BY_TYPE[dialect][node.type];
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
  return SCOPE_TYPES[dialect].has(node.type);
}

export function isLoop(node: Node, dialect: Dialect): boolean {
  return EVENT_BY_TYPE[dialect][node.type] === 'loop';
}

export function isFunction(node: Node, dialect: Dialect): boolean {
  return EVENT_BY_TYPE[dialect][node.type] === 'function';
}

/** Removes the wrappers that do not change a value: parentheses, TS casts and non-null marks. */
export function unwrap(node: Node): Node {
  // Deeply nested parentheses are each unwrapped by every rule that looks at an ancestor, so the
  // answer for every wrapper passed on the way down is remembered for the analysis.
  const passed: Node[] = [];
  let current = node;
  let result: Node | null = null;
  while (result === null) {
    const known = nodeCache?.unwrap.get(current.id) as Node | undefined;
    if (known) {
      result = known;
      break;
    }
    if (!WRAPPER_TYPES.has(current.type)) {
      result = current;
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
  return node.type.endsWith('type') || node.type.includes('type_') || node.type === 'comment';
}

export function isIdentifier(node: Node): boolean {
  return node.type === 'identifier';
}

/** `a.b` in either grammar: the object and the property name. */
export function memberParts(node: Node): { object: Node; property: string } | null {
  return remembered('member', node, readMemberParts);
}

function readMemberParts(node: Node): { object: Node; property: string } | null {
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    return object && attribute ? { object, property: attribute.text } : null;
  }
  if (node.type === 'member_expression') {
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    return object && property ? { object, property: property.text } : null;
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

export function callParts(node: Node): CallParts | null {
  return remembered('call', node, readCallParts);
}

function readCallParts(node: Node): CallParts | null {
  if (node.type !== 'call' && node.type !== 'call_expression' && node.type !== 'new_expression') {
    return null;
  }
  const callee = node.childForFieldName(
    node.type === 'new_expression' ? 'constructor' : 'function',
  );
  if (!callee) return null;
  const argumentList = node.childForFieldName('arguments');
  const args: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const child of argumentList?.namedChildren ?? []) {
    if (!child || child.type === 'comment') continue;
    if (child.type === 'keyword_argument') {
      const name = child.childForFieldName('name');
      const value = child.childForFieldName('value');
      if (name && value) keywords.set(name.text, value);
    } else {
      args.push(child);
    }
  }
  return { callee, args, keywords, argumentList };
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
  if (node.type !== 'binary_operator' && node.type !== 'binary_expression') return null;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const operator = node.childForFieldName('operator');
  if (!left || !right || !operator) return null;
  return { left, operator: operator.type, right };
}

export function unaryParts(node: Node): { operator: string; argument: Node } | null {
  if (node.type !== 'unary_operator' && node.type !== 'unary_expression') return null;
  const argument = node.childForFieldName('argument');
  const operator = node.childForFieldName('operator');
  if (!argument || !operator) return null;
  return { operator: operator.type, argument };
}

/** The operands and operators of a comparison, `a == b` or Python's chained `a < b < c`. */
export function comparisonParts(node: Node): { operands: Node[]; operators: string[] } | null {
  if (node.type === 'comparison_operator') {
    const operands = node.namedChildren.filter((child): child is Node => child !== null);
    const operators = node.children
      .filter((child): child is Node => child !== null && !child.isNamed)
      .map((child) => child.type);
    return { operands, operators };
  }
  const binary = binaryParts(node);
  if (!binary || !COMPARISON_OPERATORS.has(binary.operator)) return null;
  return { operands: [binary.left, binary.right], operators: [binary.operator] };
}

/** The numeric value of a literal, including a sign and Python's `1_000` and `float('inf')`. */
export function numberValue(node: Node): number | null {
  const inner = unwrap(node);
  if (inner.type === 'integer' || inner.type === 'float' || inner.type === 'number') {
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
  if (inner.type !== 'string') return null;
  if (inner.namedChildren.some((child) => child?.type === 'interpolation')) return null;
  const parts = inner.namedChildren.filter(
    (child) => child?.type === 'string_content' || child?.type === 'string_fragment',
  );
  return parts.map((part) => part?.text ?? '').join('');
}

/** The statement that contains `node`, the unit that line-level edits insert around. */
export function enclosingStatement(node: Node): Node {
  let current: Node = node;
  while (current.parent) {
    const parent: Node = current.parent;
    if (
      parent.type === 'block' ||
      parent.type === 'module' ||
      parent.type === 'program' ||
      parent.type === 'statement_block'
    ) {
      return current;
    }
    current = parent;
  }
  return current;
}

export function ancestors(node: Node): Node[] {
  const result: Node[] = [];
  for (let current = node.parent; current; current = current.parent) result.push(current);
  return result;
}

/** True when `inner` lies within `outer` (or is it). */
export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}
