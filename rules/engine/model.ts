// The semantic model of one file: imports resolved to canonical names, local bindings per scope,
// and the canonical operation behind each call. Rules ask the model questions such as "is this an
// exp of something?" and get the same answer for `np.exp(x)`, `from numpy import exp`, `x.exp()`,
// `tf.exp(x)` from TensorFlow.js and `Math.exp(x)`.

import type { Node, Tree } from 'web-tree-sitter';
import {
  assignmentParts,
  binaryParts,
  calleeOf,
  callParts,
  type CallParts,
  contains,
  dialectOf,
  isScope,
  memberParts,
  parentOf,
  SCOPE_TYPES,
  textOf,
  typeOf,
  unwrap,
} from './syntax';
import type { Dialect, LanguageId, Position, Range, TextEdit } from './types';

/** The numerical libraries the engine knows, named by the root of their canonical names. */
export type Library =
  'numpy' | 'torch' | 'tensorflow' | 'jax' | 'scipy' | 'math' | 'tfjs' | 'Math' | 'builtins';

export interface Binding {
  name: string;
  /** The identifier that receives the value. */
  target: Node;
  /** The assigned expression, or null for parameters, loop variables and unpacking. */
  value: Node | null;
  kind: 'assignment' | 'augmented' | 'parameter' | 'loop' | 'import' | 'other';
  /** For loop variables: the iterated expression. */
  iterable?: Node;
}

export interface Operation {
  /** Canonical operation name, such as `exp`, `sum`, `softmax`, `clamp`, `div`. */
  op: string;
  library: Library;
  call: CallParts;
  node: Node;
  /** The tensor operated on: the first argument of a function, the receiver of a method. */
  input: Node | null;
  /** Positional arguments after the input. */
  rest: Node[];
  /** Canonical dotted name for function forms (`torch.nn.functional.softmax`); null for methods. */
  qualified: string | null;
  isMethod: boolean;
}

/**
 * The node types `Model.declare` reads: imports, assignments, loops, parameters and definitions,
 * plus every scope. The engine hands the model exactly these nodes, in document order.
 */
export const DECLARING_TYPES: Record<Dialect, readonly string[]> = {
  python: [
    'import_statement',
    'import_from_statement',
    'future_import_statement',
    'assignment',
    'augmented_assignment',
    'named_expression',
    'for_statement',
    'for_in_clause',
    'function_definition',
    'lambda',
    'class_definition',
    'with_item',
    ...SCOPE_TYPES.python,
  ],
  ts: [
    'import_statement',
    'variable_declarator',
    'assignment_expression',
    'augmented_assignment_expression',
    'for_in_statement',
    'function_declaration',
    'function_expression',
    'arrow_function',
    'method_definition',
    'generator_function_declaration',
    'class_declaration',
    ...SCOPE_TYPES.ts,
  ],
};

/** Last name segment → canonical operation. One table for every library and for method forms. */
const OPERATION_NAMES: Record<string, string> = {
  exp: 'exp',
  log: 'log',
  log1p: 'log1p',
  expm1: 'expm1',
  log2: 'log2',
  log10: 'log10',
  sum: 'sum',
  reduce_sum: 'sum',
  nansum: 'sum',
  mean: 'mean',
  reduce_mean: 'mean',
  nanmean: 'mean',
  average: 'mean',
  max: 'max',
  amax: 'max',
  reduce_max: 'max',
  nanmax: 'max',
  min: 'min',
  amin: 'min',
  reduce_min: 'min',
  prod: 'prod',
  product: 'prod',
  reduce_prod: 'prod',
  nanprod: 'prod',
  softmax: 'softmax',
  log_softmax: 'log_softmax',
  logSoftmax: 'log_softmax',
  sigmoid: 'sigmoid',
  expit: 'sigmoid',
  log_sigmoid: 'log_sigmoid',
  logsigmoid: 'log_sigmoid',
  logSigmoid: 'log_sigmoid',
  log_expit: 'log_sigmoid',
  logsumexp: 'logsumexp',
  reduce_logsumexp: 'logsumexp',
  logSumExp: 'logsumexp',
  clip: 'clamp',
  clamp: 'clamp',
  clamp_: 'clamp',
  clip_: 'clamp',
  clip_by_value: 'clamp',
  clipByValue: 'clamp',
  clamp_min: 'clamp_min',
  clamp_min_: 'clamp_min',
  clamp_max: 'clamp_max',
  maximum: 'maximum',
  minimum: 'minimum',
  sqrt: 'sqrt',
  rsqrt: 'rsqrt',
  pow: 'pow',
  power: 'pow',
  square: 'square',
  abs: 'abs',
  tanh: 'tanh',
  softplus: 'softplus',
  std: 'std',
  reduce_std: 'std',
  var: 'var',
  reduce_variance: 'var',
  norm: 'norm',
  where: 'where',
  div: 'div',
  divide: 'div',
  true_divide: 'div',
  truediv: 'div',
  add: 'add',
  sub: 'sub',
  subtract: 'sub',
  mul: 'mul',
  multiply: 'mul',
  neg: 'neg',
  negative: 'neg',
  arccos: 'acos',
  acos: 'acos',
  arcsin: 'asin',
  asin: 'asin',
  dot: 'dot',
  einsum: 'einsum',
  matmul: 'matmul',
  isnan: 'isnan',
  isNaN: 'isnan',
};
/** As a map: a plain object would also answer for `constructor` and `toString`. */
const OPERATION_SYNONYMS = new Map(Object.entries(OPERATION_NAMES));
/** Operations whose tensor method takes no positional argument (`x.exp()`, `x.sqrt()`). */
const UNARY_OPERATIONS = new Set([
  'abs',
  'acos',
  'asin',
  'exp',
  'expm1',
  'isnan',
  'log',
  'log10',
  'log1p',
  'log2',
  'neg',
  'rsqrt',
  'sigmoid',
  'sqrt',
  'square',
  'tanh',
]);

/** Binary arithmetic that libraries spell as functions or methods (`tf.div(a, b)`, `a.div(b)`). */
const ARITHMETIC_OPERATIONS: Record<string, string> = {
  div: '/',
  add: '+',
  sub: '-',
  mul: '*',
};

const PYTHON_BUILTINS = new Set([
  'sum',
  'max',
  'min',
  'abs',
  'pow',
  'float',
  'round',
  'len',
  'map',
]);
const JS_GLOBALS = new Set(['Math', 'Number', 'NaN', 'Infinity']);

const TFJS_MODULES = /^@tensorflow\/tfjs(-node|-node-gpu|-core|-backend-\w+)?$/;

export function libraryOf(qualified: string): Library | null {
  const root = qualified.split('.')[0];
  switch (root) {
    case 'numpy':
    case 'torch':
    case 'jax':
    case 'scipy':
    case 'math':
    case 'tfjs':
    case 'Math':
    case 'builtins':
      return root;
    case 'tensorflow':
    case 'keras':
    case 'tf_keras':
      return 'tensorflow';
    case 'flax':
    case 'optax':
      return 'jax';
    default:
      return null;
  }
}

/** The questions whose answers `Model.remember` keeps. */
type Question = 'resolve' | 'qualified' | 'operation' | 'arithmetic';

interface ImportRecord {
  /** Local name bound by the import. */
  local: string;
  /** Canonical dotted name it stands for, such as `numpy` or `torch.nn.functional.softmax`. */
  qualified: string;
  node: Node;
}

export interface Reference {
  /** The text that names the wanted function at the use site, such as `np.log1p`. */
  text: string;
  /** The import to add, when the file does not import the name yet. */
  importEdit: TextEdit | null;
}

export class Model {
  readonly dialect: Dialect;
  readonly root: Node;
  readonly libraries = new Set<Library>();
  private readonly imports = new Map<string, ImportRecord>();
  private readonly bindings = new Map<number, Map<string, Binding[]>>();
  /** Answers about nodes (operation, resolved value, name), kept once the walk is over. */
  private readonly answers: Record<Question, Map<number, unknown>> = {
    resolve: new Map(),
    qualified: new Map(),
    operation: new Map(),
    arithmetic: new Map(),
  };
  private finished = false;
  /** Every scope node in document order, and for each the index of the scope around it. */
  private readonly scopes: Node[] = [];
  /** The ranges of `scopes`, kept as numbers: reading them from a node costs a WebAssembly call. */
  private readonly scopeStarts: number[] = [];
  private readonly scopeEnds: number[] = [];
  private readonly enclosingScopeIndex: number[] = [];
  /** The scopes that enclose the node being declared, as indexes into `scopes`, innermost last. */
  private readonly openScopes: number[] = [];
  private readonly lineStarts: number[];
  /** The file's own line ending, for the lines that fixes insert. */
  readonly eol: string;
  private importInsertLine = 0;
  /** Names that fixes of this file import with `from module import name`, and from where. */
  private readonly importedNames = new Map<string, string>();
  /** `isShadowed` answers, once the walk has declared every binding. */
  private readonly shadowed = new Map<string, boolean>();
  private lastImportNode: Node | null = null;
  /** Assignments to attributes (`self.loss = nn.BCELoss()`), in document order. */
  readonly attributeAssignments: { target: Node; value: Node }[] = [];

  constructor(
    readonly tree: Tree,
    readonly text: string,
    readonly language: LanguageId,
  ) {
    this.dialect = dialectOf(language);
    this.root = tree.rootNode;
    this.lineStarts = computeLineStarts(text);
    this.eol = lineEndingOf(text);
  }

  // ---- Building (called by the engine during its walk) ----

  /** Records what a node declares. The engine calls this for every node, in document order. */
  declare(node: Node): void {
    this.noteScope(node);
    if (this.dialect === 'python') this.declarePython(node);
    else this.declareTypeScript(node);
  }

  private declarePython(node: Node): void {
    switch (typeOf(node)) {
      case 'import_statement':
        this.notePythonImport(node);
        for (const name of node.childrenForFieldName('name')) {
          if (!name) continue;
          if (typeOf(name) === 'aliased_import') {
            const dotted = name.childForFieldName('name')?.text;
            const alias = name.childForFieldName('alias')?.text;
            if (dotted && alias) this.addImport(alias, dotted, node);
          } else {
            // `import torch.nn` binds `torch`, and makes the dotted path reachable through it.
            const first = name.text.split('.')[0];
            this.addImport(first, first, node);
          }
        }
        return;
      case 'import_from_statement': {
        this.notePythonImport(node);
        const module = node.childForFieldName('module_name');
        if (!module || module.type === 'relative_import') return;
        for (const name of node.childrenForFieldName('name')) {
          if (!name) continue;
          if (typeOf(name) === 'aliased_import') {
            const original = name.childForFieldName('name')?.text;
            const alias = name.childForFieldName('alias')?.text;
            if (original && alias) this.addImport(alias, `${module.text}.${original}`, node);
          } else {
            this.addImport(name.text, `${module.text}.${name.text}`, node);
          }
        }
        return;
      }
      case 'future_import_statement':
        this.notePythonImport(node);
        return;
      case 'assignment': {
        // `x: int` alone annotates without assigning; it still declares the name.
        const parts = assignmentParts(node);
        const left = parts?.left ?? node.childForFieldName('left');
        this.declareAssignmentTargets(left, parts?.right ?? null, 'assignment');
        return;
      }
      case 'augmented_assignment':
        this.declareAssignmentTargets(assignmentParts(node)?.left ?? null, node, 'augmented');
        return;
      case 'named_expression':
        this.declareAssignmentTargets(
          node.childForFieldName('name'),
          node.childForFieldName('value'),
          'assignment',
        );
        return;
      case 'for_statement':
      case 'for_in_clause':
        this.declareLoopTargets(node.childForFieldName('left'), node.childForFieldName('right'));
        return;
      case 'function_definition':
      case 'lambda':
        this.declareParameters(node);
        this.declareName(node);
        return;
      case 'class_definition':
        this.declareName(node);
        return;
      case 'with_item': {
        const value = node.childForFieldName('value');
        if (value && typeOf(value) === 'as_pattern') {
          const target = value.childForFieldName('alias');
          const name = target?.namedChildren[0] ?? target;
          if (name?.type === 'identifier') this.bind(name, null, 'other');
        }
        return;
      }
      default:
        return;
    }
  }

  private declareTypeScript(node: Node): void {
    switch (typeOf(node)) {
      case 'import_statement':
        this.noteTypeScriptImport(node);
        return;
      case 'variable_declarator': {
        const name = node.childForFieldName('name');
        const value = node.childForFieldName('value');
        if (name?.type === 'identifier' && value && this.declareRequire(name, value)) return;
        this.declareAssignmentTargets(name, value, 'assignment');
        return;
      }
      case 'assignment_expression':
        this.declareAssignmentTargets(
          node.childForFieldName('left'),
          node.childForFieldName('right'),
          'assignment',
        );
        return;
      case 'augmented_assignment_expression':
        this.declareAssignmentTargets(node.childForFieldName('left'), node, 'augmented');
        return;
      case 'for_in_statement':
        this.declareLoopTargets(node.childForFieldName('left'), node.childForFieldName('right'));
        return;
      case 'function_declaration':
      case 'function_expression':
      case 'arrow_function':
      case 'method_definition':
      case 'generator_function_declaration':
        this.declareParameters(node);
        this.declareName(node);
        return;
      case 'class_declaration':
        this.declareName(node);
        return;
      default:
        return;
    }
  }

  private notePythonImport(node: Node): void {
    // Only top-level imports decide where a fix adds its own import.
    if (node.parent?.type !== 'module') return;
    this.lastImportNode = node;
  }

  private noteTypeScriptImport(node: Node): void {
    if (node.parent?.type === 'program') this.lastImportNode = node;
    const source = node.childForFieldName('source');
    const module = source ? stringText(source) : null;
    const clause = node.namedChildren.find((child) => child?.type === 'import_clause');
    if (!module || !clause) return;
    const root = TFJS_MODULES.test(module) ? 'tfjs' : module;
    for (const part of clause.namedChildren) {
      if (!part) continue;
      if (typeOf(part) === 'namespace_import' || typeOf(part) === 'identifier') {
        const local = typeOf(part) === 'identifier' ? part : part.namedChildren[0];
        if (local) this.addImport(local.text, root, node);
      } else if (typeOf(part) === 'named_imports') {
        for (const specifier of part.namedChildren) {
          if (specifier?.type !== 'import_specifier') continue;
          const name = specifier.childForFieldName('name')?.text;
          const alias = specifier.childForFieldName('alias')?.text ?? name;
          if (name && alias) this.addImport(alias, `${root}.${name}`, node);
        }
      }
    }
  }

  /** `const tf = require('@tensorflow/tfjs')`: CommonJS imports count as imports. */
  private declareRequire(name: Node, value: Node): boolean {
    const call = callParts(unwrap(value));
    if (!call || call.callee.text !== 'require' || call.args.length !== 1) return false;
    const module = stringText(call.args[0]);
    if (!module) return false;
    this.addImport(name.text, TFJS_MODULES.test(module) ? 'tfjs' : module, value);
    if (value.parent?.parent?.parent?.type === 'program') this.lastImportNode = value.parent.parent;
    return true;
  }

  private addImport(local: string, qualified: string, node: Node): void {
    this.imports.set(local, { local, qualified, node });
    const library = libraryOf(qualified);
    if (library) this.libraries.add(library);
  }

  private declareAssignmentTargets(
    target: Node | null,
    value: Node | null,
    kind: Binding['kind'],
  ): void {
    if (!target) return;
    if (typeOf(target) === 'identifier') {
      this.bind(target, value, kind);
      return;
    }
    if (typeOf(target) === 'attribute' || typeOf(target) === 'member_expression') {
      if (kind === 'assignment' && value) this.attributeAssignments.push({ target, value });
      return;
    }
    // Unpacking (`out, _ = model(x)`, `const [a, b] = ...`) binds each name to an unknown value.
    if (/pattern|tuple|list|array|object/.test(typeOf(target))) {
      for (const identifier of target.descendantsOfType('identifier')) {
        if (identifier) this.bind(identifier, null, 'other');
      }
    }
  }

  private declareLoopTargets(target: Node | null, iterable: Node | null): void {
    if (!target) return;
    const names =
      typeOf(target) === 'identifier' ? [target] : target.descendantsOfType('identifier');
    for (const name of names) {
      if (!name) continue;
      this.bind(name, null, 'loop', names.length === 1 ? (iterable ?? undefined) : undefined);
    }
  }

  private declareParameters(node: Node): void {
    const parameters = node.childForFieldName('parameters') ?? node.childForFieldName('parameter');
    if (!parameters) return;
    if (typeOf(parameters) === 'identifier') {
      this.bindIn(node, parameters, null, 'parameter');
      return;
    }
    for (const parameter of parameters.namedChildren) {
      if (!parameter) continue;
      const name = parameterName(parameter);
      if (name) {
        this.bindIn(node, name, null, 'parameter');
      } else if (name === undefined) {
        // Destructuring and other rarer shapes: every identifier that is not in a type or a
        // default value.
        for (const identifier of parameter.descendantsOfType('identifier')) {
          if (identifier && isParameterName(identifier, parameters)) {
            this.bindIn(node, identifier, null, 'parameter');
          }
        }
      }
    }
  }

  /** A function or class definition binds its name in the enclosing scope. */
  private declareName(node: Node): void {
    const name = node.childForFieldName('name');
    if (name && (typeOf(name) === 'identifier' || typeOf(name) === 'type_identifier')) {
      this.bindIn(this.scopeOf(node), name, null, 'other');
    }
  }

  private bind(target: Node, value: Node | null, kind: Binding['kind'], iterable?: Node): void {
    this.bindIn(this.scopeOf(target), target, value, kind, iterable);
  }

  private bindIn(
    scope: Node,
    target: Node,
    value: Node | null,
    kind: Binding['kind'],
    iterable?: Node,
  ): void {
    let names = this.bindings.get(scope.id);
    if (!names) {
      names = new Map();
      this.bindings.set(scope.id, names);
    }
    const name = textOf(target);
    const list = names.get(name) ?? [];
    list.push({ name, target, value, kind, iterable });
    names.set(name, list);
  }

  /** Called by the engine once every node has been declared. */
  finish(): void {
    this.importInsertLine = this.computeImportInsertLine();
    this.finished = true;
  }

  // ---- Scopes and bindings ----

  /**
   * Keeps the stack of open scopes as the walk goes down the tree in document order, and notes
   * the scope around each identifier and scope: the questions `bindingsOf` asks most, answered
   * here without walking up through `parent`.
   */
  private noteScope(node: Node): void {
    if (!isScope(node, this.dialect)) return;
    const open = this.openScopes;
    const start = node.startIndex;
    while (open.length > 0 && this.scopeEnds[open[open.length - 1]] <= start) open.pop();
    this.enclosingScopeIndex.push(open.length > 0 ? open[open.length - 1] : -1);
    this.scopes.push(node);
    this.scopeStarts.push(start);
    this.scopeEnds.push(node.endIndex);
    open.push(this.scopes.length - 1);
  }

  /**
   * The innermost scope around a node (a scope node's own scope is the one around it). Scopes
   * nest, so the answer is the last scope starting at or before the node that also ends after
   * it: a binary search, then a few steps outwards. Asking tree-sitter for parents instead costs
   * a descent from the root per step.
   */
  scopeOf(node: Node): Node {
    const index = this.scopeIndexOf(node);
    return index < 0 ? this.root : this.scopes[index];
  }

  /** The index in `scopes` of the innermost scope around a node; -1 for the root. */
  private scopeIndexOf(node: Node): number {
    const starts = this.scopeStarts;
    const start = node.startIndex;
    let low = 0;
    let high = starts.length - 1;
    let index = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle] <= start) {
        index = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (index < 0) return -1;
    const end = node.endIndex;
    while (index >= 0) {
      // A node with exactly a scope's range is that scope or a wrapper around it (an expression
      // statement holding a lambda), never inside it: no child spans a whole function.
      const scopeStart = starts[index];
      const scopeEnd = this.scopeEnds[index];
      const sameRange = scopeStart === start && scopeEnd === end;
      if (!sameRange && scopeStart <= start && end <= scopeEnd) return index;
      index = this.enclosingScopeIndex[index];
    }
    return -1;
  }

  /** The bindings of `name` visible from `at`: the innermost scope that binds it. */
  bindingsOf(name: string, at: Node): Binding[] {
    for (let index = this.scopeIndexOf(at); ; index = this.enclosingScopeIndex[index]) {
      const scope = index < 0 ? this.root : this.scopes[index];
      const list = this.bindings.get(scope.id)?.get(name);
      if (list && list.length > 0) return list;
      if (index < 0) return [];
    }
  }

  /**
   * The binding that gives `identifier` its value at its position: the last assignment before it
   * in the innermost scope that binds the name. Control flow is read as straight-line code.
   */
  bindingAt(identifier: Node): Binding | null {
    const list = this.bindingsOf(textOf(identifier), identifier);
    let best: Binding | null = null;
    for (const binding of list) {
      if (binding.target.id === identifier.id) return binding;
      if (binding.target.startIndex < identifier.startIndex) best = binding;
    }
    // A name used in a nested function before its textual assignment still refers to it.
    return (
      best ??
      (list.length === 1 && this.scopeOf(list[0].target).id !== this.scopeOf(identifier).id
        ? list[0]
        : null)
    );
  }

  /** True when `name` is assigned anywhere between two positions of the scope seen from `at`. */
  reassignedBetween(name: string, at: Node, from: number, to: number): boolean {
    return this.bindingsOf(name, at).some(
      (binding) => binding.target.startIndex > from && binding.target.startIndex < to,
    );
  }

  /**
   * Follows a value through parentheses and simple local variables to the expression that made
   * it. `e = np.exp(x)` then `e / e.sum()`: resolving either `e` gives the `np.exp(x)` call.
   */
  resolve(node: Node, depth = 0): Node {
    if (depth === 0) return this.remember('resolve', node, () => this.readResolved(node));
    return this.readResolved(node, depth);
  }

  private readResolved(node: Node, depth = 0): Node {
    const inner = unwrap(node);
    if (depth > 8 || typeOf(inner) !== 'identifier') return inner;
    const binding = this.bindingAt(inner);
    if (!binding || binding.kind !== 'assignment' || !binding.value) return inner;
    if (binding.target.id === inner.id) return inner;
    if (contains(binding.value, inner)) return inner;
    return this.readResolved(binding.value, depth + 1);
  }

  // ---- Names ----

  /**
   * The canonical dotted name of an expression built from an imported name, such as `np.exp` →
   * `numpy.exp` or `F.softmax` → `torch.nn.functional.softmax`; null for anything else.
   */
  qualifiedName(node: Node): string | null {
    return this.remember('qualified', node, () => this.readQualifiedName(node));
  }

  private readQualifiedName(node: Node): string | null {
    const inner = unwrap(node);
    if (typeOf(inner) === 'identifier') return this.qualifiedRoot(inner);
    const member = memberParts(inner);
    if (!member) return null;
    const object = this.qualifiedName(member.object);
    return object ? `${object}.${member.property}` : null;
  }

  private qualifiedRoot(identifier: Node): string | null {
    const name = textOf(identifier);
    const record = this.imports.get(name);
    const local = this.bindingsOf(name, identifier).filter((binding) => binding.kind !== 'import');
    if (record && local.length === 0) return record.qualified;
    if (local.length > 0) return null;
    if (this.dialect === 'python' && PYTHON_BUILTINS.has(name)) return `builtins.${name}`;
    if (this.dialect === 'ts' && JS_GLOBALS.has(name)) return name;
    return null;
  }

  // ---- Operations ----

  /** The canonical operation of a call, in function form (`np.exp(x)`) or method form (`x.exp()`). */
  operation(node: Node): Operation | null {
    return this.remember('operation', node, () => this.readOperation(unwrap(node)));
  }

  /**
   * Every rule asks the same questions about the same nodes; once the walk is over and every
   * binding is known, an answer cannot change, so it is kept for the rest of the analysis.
   */
  private remember<T>(kind: Question, node: Node, read: () => T): T {
    if (!this.finished) return read();
    const answers = this.answers[kind];
    const known = answers.get(node.id);
    if (known !== undefined) return known as T;
    const value = read();
    answers.set(node.id, value);
    return value;
  }

  private readOperation(inner: Node): Operation | null {
    if (!this.mightBeOperation(inner)) return null;
    const call = callParts(inner);
    if (!call) return null;
    const qualified = this.qualifiedName(call.callee);
    if (qualified) {
      const library = libraryOf(qualified);
      const last = qualified.slice(qualified.lastIndexOf('.') + 1);
      const op = OPERATION_SYNONYMS.get(last);
      if (!library || !op) return null;
      return {
        op,
        library,
        call,
        node: inner,
        input: call.args[0] ?? call.keywords.get('input') ?? call.keywords.get('x') ?? null,
        rest: call.args.slice(1),
        qualified,
        isMethod: false,
      };
    }
    const member = memberParts(call.callee);
    if (!member) return null;
    const op = OPERATION_SYNONYMS.get(member.property);
    if (!op || this.isModuleLike(member.object)) return null;
    // `x.exp()` takes no argument: `np.exp(x)` with `np` never imported is no method of `np`.
    if (UNARY_OPERATIONS.has(op) && call.args.length > 0) return null;
    return {
      op,
      library: this.tensorLibrary(),
      call,
      node: inner,
      input: member.object,
      rest: call.args,
      qualified: null,
      isMethod: true,
    };
  }

  /**
   * A first look at a call from its callee alone, before its arguments are read: an operation's
   * callee ends in one of the known names (`np.exp`, `x.sum`) or is a name imported under another
   * (`from numpy import exp as e`). Most calls of a file (`self.linear(x)`) stop here.
   */
  private mightBeOperation(node: Node): boolean {
    const callee = calleeOf(node);
    if (!callee) return false;
    const type = typeOf(callee);
    if (type === 'identifier') {
      const name = textOf(callee);
      return OPERATION_SYNONYMS.has(name) || this.imports.has(name);
    }
    const member = memberParts(callee);
    if (member) return OPERATION_SYNONYMS.has(member.property);
    // A parenthesised callee (`(np.exp)(x)`) is read in full; a call or subscript is no name.
    return unwrap(callee).id !== callee.id;
  }

  /** The operation behind a value, looking through local variables: `p = softmax(z); log(p)`. */
  operationOf(node: Node): Operation | null {
    return this.operation(this.resolve(node));
  }

  /** True when the expression names a module or an imported object rather than a tensor. */
  private isModuleLike(node: Node): boolean {
    const inner = unwrap(node);
    if (this.qualifiedName(inner) !== null) return true;
    // `self.softmax(x)` and `this.exp(v)` call the object's own methods, not tensor operations.
    if (typeOf(inner) === 'this' || (this.dialect === 'python' && inner.text === 'self'))
      return true;
    return typeOf(inner) === 'identifier' && /^[A-Z]/.test(inner.text) && this.dialect === 'ts';
  }

  /** The library that a method call on a tensor most likely belongs to, judged by the imports. */
  tensorLibrary(): Library {
    if (this.dialect === 'ts') return 'tfjs';
    for (const library of ['torch', 'tensorflow', 'jax', 'numpy'] as const) {
      if (this.libraries.has(library)) return library;
    }
    return 'numpy';
  }

  /**
   * Binary arithmetic in any spelling: `a / b`, `tf.div(a, b)`, `a.div(b)`, `torch.div(a, b)`.
   * Returns the operator as `+ - * / **` with both operands.
   */
  arithmetic(node: Node): { operator: string; left: Node; right: Node; node: Node } | null {
    return this.remember('arithmetic', node, () => this.readArithmetic(node));
  }

  private readArithmetic(
    node: Node,
  ): { operator: string; left: Node; right: Node; node: Node } | null {
    const inner = unwrap(node);
    const binary = binaryParts(inner);
    if (binary)
      return { operator: binary.operator, left: binary.left, right: binary.right, node: inner };
    const operation = this.operation(inner);
    if (!operation || !operation.input) return null;
    const operator = ARITHMETIC_OPERATIONS[operation.op];
    if (!operator) return null;
    const right = operation.rest[0] ?? operation.call.keywords.get('other');
    return right ? { operator, left: operation.input, right, node: inner } : null;
  }

  // ---- Fixes: names to write and imports to add ----

  /**
   * How to name `qualified` at a use site, reusing the file's own imports: `torch.log_softmax`
   * becomes `th.log_softmax` under `import torch as th`; an unimported name gets an import edit.
   * Candidates are tried in order; the first one reachable without a new import wins, and
   * otherwise the first candidate is imported.
   */
  reference(...candidates: string[]): Reference {
    for (const qualified of candidates) {
      const text = this.reachableAs(qualified);
      if (text) return { text, importEdit: null };
    }
    return this.importFor(candidates[0]);
  }

  /** The local spelling of a canonical name through the existing imports, or null. */
  reachableAs(qualified: string): string | null {
    if (qualified.startsWith('Math.') || qualified.startsWith('builtins.')) {
      return qualified.replace(/^builtins\./, '');
    }
    let best: { record: ImportRecord; length: number } | null = null;
    for (const record of this.imports.values()) {
      const prefix = record.qualified;
      if (qualified === prefix || qualified.startsWith(`${prefix}.`)) {
        if (this.isShadowed(record.local)) continue;
        if (!best || prefix.length > best.length) best = { record, length: prefix.length };
      }
    }
    if (!best) return null;
    const remainder = qualified.slice(best.length);
    // `import scipy` does not promise that `scipy.special` is loaded; only exact modules count.
    if (
      this.dialect === 'python' &&
      remainder.split('.').length > 2 &&
      best.record.qualified === 'scipy'
    ) {
      return null;
    }
    return `${best.record.local}${remainder}`;
  }

  /** Whether some scope binds `name` otherwise than by an import. Every fix asks, for its names. */
  private isShadowed(name: string): boolean {
    if (!this.finished) return this.readShadowed(name);
    let shadowed = this.shadowed.get(name);
    if (shadowed === undefined) {
      shadowed = this.readShadowed(name);
      this.shadowed.set(name, shadowed);
    }
    return shadowed;
  }

  private readShadowed(name: string): boolean {
    for (const names of this.bindings.values()) {
      if ((names.get(name) ?? []).some((binding) => binding.kind !== 'import')) return true;
    }
    return false;
  }

  private importFor(qualified: string): Reference {
    const lastDot = qualified.lastIndexOf('.');
    const module = qualified.slice(0, lastDot);
    const name = qualified.slice(lastDot + 1);
    if (this.dialect === 'ts') {
      const source = this.tfjsModuleInUse() ?? '@tensorflow/tfjs';
      return {
        text: name,
        importEdit: this.insertImport(`import { ${name} } from '${source}';`),
      };
    }
    const conventional = CONVENTIONAL_ALIASES[module];
    if (conventional && !this.imports.has(conventional) && !this.isShadowed(conventional)) {
      const statement =
        conventional === module ? `import ${module}` : `import ${module} as ${conventional}`;
      return { text: `${conventional}.${name}`, importEdit: this.insertImport(statement) };
    }
    // Two fixes of one file must not import one name from two modules (`softmax` from
    // scipy.special and from jax.nn): the second one spells the module out instead.
    const claimedBy = this.importedNames.get(name) ?? module;
    if (!this.imports.has(name) && !this.isShadowed(name) && claimedBy === module) {
      this.importedNames.set(name, module);
      return { text: name, importEdit: this.insertImport(`from ${module} import ${name}`) };
    }
    // Spelled out from its root, unless the root is a local name somewhere (a parameter called
    // `scipy`): then the module is imported under a name of its own.
    const root = module.split('.')[0];
    if (!this.isShadowed(root)) {
      return { text: qualified, importEdit: this.insertImport(`import ${module}`) };
    }
    const alias = this.unusedName(module.replace(/\./g, '_'));
    return {
      text: `${alias}.${name}`,
      importEdit: this.insertImport(`import ${module} as ${alias}`),
    };
  }

  /** `base`, or `base_2`, `base_3`…: the first that the file neither imports nor binds. */
  private unusedName(base: string): string {
    for (let suffix = 1; ; suffix++) {
      const candidate = suffix === 1 ? base : `${base}_${suffix}`;
      if (!this.imports.has(candidate) && !this.isShadowed(candidate)) return candidate;
    }
  }

  private tfjsModuleInUse(): string | null {
    for (const record of this.imports.values()) {
      if (record.qualified === 'tfjs' || record.qualified.startsWith('tfjs.')) {
        const source = record.node.childForFieldName('source');
        const text = source ? stringText(source) : null;
        if (text) return text;
      }
    }
    return null;
  }

  private insertImport(statement: string): TextEdit {
    if (this.importInsertLine < this.lineStarts.length) {
      const position = { line: this.importInsertLine, character: 0 };
      return { range: { start: position, end: position }, newText: `${statement}${this.eol}` };
    }
    // The last import (or docstring) ends the file with no line break: there is no next line to
    // insert on, so the import goes after the end, on a line of its own.
    const end = this.positionAt(this.text.length);
    return { range: { start: end, end }, newText: `${this.eol}${statement}` };
  }

  /** The line after the last top-level import, or after a module docstring and shebang. */
  private computeImportInsertLine(): number {
    if (this.lastImportNode) return this.lastImportNode.endPosition.row + 1;
    let line = 0;
    for (const child of this.root.namedChildren) {
      if (!child) continue;
      const isDocstring =
        this.dialect === 'python' &&
        typeOf(child) === 'expression_statement' &&
        child.namedChildren[0]?.type === 'string';
      const isDirective =
        this.dialect === 'ts' &&
        typeOf(child) === 'expression_statement' &&
        child.namedChildren[0]?.type === 'string';
      if (typeOf(child) === 'comment' && child.startPosition.row === line) {
        line = child.endPosition.row + 1;
      } else if (isDocstring || isDirective) {
        line = child.endPosition.row + 1;
      } else {
        break;
      }
    }
    return line;
  }

  // ---- Text ----

  /** The number of lines, counting the one after a final line break. */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(index: number): Position {
    return positionIn(this.lineStarts, index);
  }

  rangeOf(node: Node): Range {
    return { start: this.positionAt(node.startIndex), end: this.positionAt(node.endIndex) };
  }

  /** An edit that replaces a node's text. */
  replace(node: Node, newText: string): TextEdit {
    return { range: this.rangeOf(node), newText };
  }

  /** The source text of a node, as written. */
  source(node: Node): string {
    return this.text.slice(node.startIndex, node.endIndex);
  }

  /** The indentation of the line a node starts on. */
  indentOf(node: Node): string {
    const lineStart = this.lineStarts[node.startPosition.row] ?? 0;
    const match = /^[ \t]*/.exec(this.text.slice(lineStart, lineStart + 200));
    return match ? match[0] : '';
  }
}

/** Names under which the community imports a module, used when a fix must add the import. */
const CONVENTIONAL_ALIASES: Record<string, string> = {
  numpy: 'np',
  torch: 'torch',
  'torch.nn.functional': 'F',
  tensorflow: 'tf',
  jax: 'jax',
  'jax.numpy': 'jnp',
  math: 'math',
};

/**
 * The name a parameter binds, read from the common shapes (`x`, `x=1`, `x: int`, `*args`,
 * `x?: T`, `...rest`); null when it binds nothing (a `*` or `/` marker, a comment, `this`);
 * undefined for other shapes, which the caller reads in full.
 */
function parameterName(parameter: Node): Node | null | undefined {
  switch (typeOf(parameter)) {
    case 'identifier':
      return parameter;
    case 'default_parameter':
    case 'typed_default_parameter':
      return identifierOrUnknown(parameter.childForFieldName('name'));
    case 'required_parameter':
    case 'optional_parameter': {
      const pattern = parameter.childForFieldName('pattern');
      return pattern && typeOf(pattern) === 'this' ? null : identifierOrUnknown(pattern);
    }
    case 'assignment_pattern':
      return identifierOrUnknown(parameter.childForFieldName('left'));
    case 'typed_parameter':
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
    case 'rest_pattern': {
      const first = parameter.namedChildren[0] ?? null;
      return first ? parameterName(first) : null;
    }
    case 'keyword_separator':
    case 'positional_separator':
    case 'comment':
      return null;
    default:
      return undefined;
  }
}

function identifierOrUnknown(node: Node | null): Node | undefined {
  return node && typeOf(node) === 'identifier' ? node : undefined;
}

/**
 * True when an identifier inside a parameter list is a parameter's own name, not part of its type
 * annotation or default value (`logits: tf.Tensor` binds `logits`, not `tf`).
 */
function isParameterName(identifier: Node, parameters: Node): boolean {
  for (
    let current: Node | null = identifier;
    current && current.id !== parameters.id;
    current = parentOf(current)
  ) {
    const parent: Node | null = parentOf(current);
    if (!parent) return false;
    if (/type/.test(typeOf(current))) return false;
    if (parent.childForFieldName('value')?.id === current.id) return false;
    if (parent.childForFieldName('type')?.id === current.id) return false;
  }
  return true;
}

function stringText(node: Node): string | null {
  if (typeOf(node) !== 'string') return null;
  return node.namedChildren
    .filter((child) => child?.type === 'string_fragment' || child?.type === 'string_content')
    .map((child) => child?.text ?? '')
    .join('');
}

/** The line ending a file uses, judged by its first line break; `\n` when it has none. */
export function lineEndingOf(text: string): string {
  const match = /\r\n|\r|\n/.exec(text);
  return match ? match[0] : '\n';
}

/** The line (from 0) that holds an offset, given the offsets where lines start. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The line and character of an offset, given the offsets where lines start. */
export function positionIn(lineStarts: readonly number[], offset: number): Position {
  const line = lineAt(lineStarts, offset);
  return { line, character: offset - lineStarts[line] };
}

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10) starts.push(index + 1);
    else if (code === 13) {
      if (text.charCodeAt(index + 1) === 10) index++;
      starts.push(index + 1);
    }
  }
  return starts;
}
