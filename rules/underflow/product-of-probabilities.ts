// NG401 product-of-probabilities: many probabilities multiplied together.
//
// What it does: flags a product whose factors are probabilities: `np.prod(probs)`,
// `torch.prod`, `tf.reduce_prod`, `jnp.prod`, `math.prod`, `probs.prod()`,
// `functools.reduce(operator.mul, probs)`, JavaScript's `probs.reduce((a, b) => a * b)`, and a
// running product `score *= p` in a loop where `p` is a probability (a softmax or sigmoid output,
// an element of a collection whose name says it holds probabilities).
// Why is this bad? Each factor below 1 shrinks the product: 400 factors of 1e-3 make 1e-1200,
// far below the smallest float64 (about 4.9e-324; float32: about 1.4e-45). The product becomes
// exactly 0 for every candidate, so comparisons between them are ties and a later log is -inf.
// Use instead: a sum of log-probabilities, `np.sum(np.log(probs))`; compare and combine in the
// log domain and exponentiate only where a probability is needed (after normalising, e.g. with
// logsumexp).
// Fix safety: unsafe. The value becomes a log-probability. The fix renames the variable that
// holds it (`score` → `log_score`) so that every later use shows the change; code that reads it as
// a probability must be reviewed.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import {
  assignmentParts,
  calleeOf,
  callParts,
  comparisonParts,
  memberParts,
  numberValue,
  parentOf,
  textOf,
  typeOf,
  unwrap,
} from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { PROBABILITY_NAME, probabilityLike, type Probability } from '../engine/values';
import { isOne, operandText } from '../precision/expressions';

const FIX_TITLE = 'Sum log-probabilities (the result becomes a log-probability)';

export const productOfProbabilities: Rule = {
  meta: {
    code: 'NG401',
    name: 'product-of-probabilities',
    family: 'underflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /prob|likelihood|oftmax|igmoid|expit|sum/i,
    summary: 'A product of many probabilities, which underflows to exactly 0.',
    explanation:
      'Every factor below 1 shrinks the product: 400 probabilities of 1e-3 multiply to 1e-1200, ' +
      'far below the smallest float64 (~4.9e-324; float32 ~1.4e-45), so the product is exactly 0 ' +
      'and every candidate ties. Sum the log-probabilities instead and stay in the log domain.',
  },
  create(context) {
    const { model } = context;
    const message = (): string =>
      t(
        "This multiplies probabilities: with many factors the product underflows to exactly 0 (400 factors of 1e-3 give 1e-1200, below float64's ~4.9e-324). Sum their logs instead.",
      );
    return {
      call(node) {
        const reduction = probabilityReduction(model, node);
        if (!reduction) return;
        context.report({
          node,
          message: message(),
          related: relatedOrigin(reduction.probability),
          fixes: () => reduction.fixes(),
        });
      },
      augmentedAssignment: (node) => checkUpdate(node),
      assignment: (node) => checkUpdate(node),
    };

    /** `score *= p` and `score = score * p` inside a loop. */
    function checkUpdate(node: Node): void {
      const update = runningProduct(model, node);
      if (!update) return;
      context.report({
        node,
        message: message(),
        related: relatedOrigin(update.probability),
        fixes: () => loopFix(model, node, update),
      });
    }
  },
};

function relatedOrigin(probability: Probability): { node: Node; message: string }[] {
  return [{ node: probability.origin, message: t('These values are probabilities.') }];
}

// ---- Reductions: np.prod(p), math.prod(p), reduce(mul, p), p.reduce((a, b) => a * b) ----

interface Reduction {
  probability: Probability;
  fixes: () => Fix[];
}

function probabilityReduction(model: Model, node: Node): Reduction | null {
  const operation = model.operation(node);
  if (operation?.op === 'prod' && operation.input) {
    const probability = probabilityValue(model, operation.input);
    if (!probability) return null;
    return { probability, fixes: () => prodFix(model, operation) };
  }
  // Only `reduce` is left: `functools.reduce` (perhaps imported under another name) or a
  // JavaScript array's `.reduce`. Other calls stop before their arguments are read.
  const callee = calleeOf(node);
  if (!callee) return null;
  const inner = unwrap(callee);
  const isName = typeOf(inner) === 'identifier';
  const last = isName ? textOf(inner) : memberParts(inner)?.property;
  if (last !== 'reduce' && !(isName && model.qualifiedName(inner) !== null)) return null;
  const call = callParts(node);
  if (!call) return null;
  if (model.qualifiedName(call.callee) === 'functools.reduce' && call.args.length >= 2) {
    const probability = probabilityValue(model, call.args[1]);
    if (!probability || !isMultiplication(model, call.args[0])) return null;
    const fixes = (): Fix[] =>
      call.args.length === 2 ? [pythonLogSumFix(model, node, call.args[1])] : [];
    return { probability, fixes };
  }
  const member = memberParts(call.callee);
  if (model.dialect === 'ts' && member?.property === 'reduce' && call.args.length >= 1) {
    const probability = probabilityValue(model, member.object);
    if (!probability || !isMultiplication(model, call.args[0])) return null;
    const initial = call.args[1];
    if (initial && !isOne(initial)) return null;
    return { probability, fixes: () => jsReduceFix(model, node, member.object, call.args[0]) };
  }
  return null;
}

/** `operator.mul`, `lambda a, b: a * b`, `(a, b) => a * b`. */
function isMultiplication(model: Model, node: Node): boolean {
  const inner = unwrap(node);
  if (model.qualifiedName(inner) === 'operator.mul') return true;
  if (inner.type !== 'lambda' && inner.type !== 'arrow_function') return false;
  const body = inner.childForFieldName('body');
  const parameters = (inner.childForFieldName('parameters')?.descendantsOfType('identifier') ?? [])
    .filter((identifier): identifier is Node => identifier !== null)
    .map((identifier) => identifier.text);
  const product = body ? model.arithmetic(body) : null;
  if (!product || product.operator !== '*' || parameters.length !== 2) return false;
  const operands = [unwrap(product.left).text, unwrap(product.right).text];
  return operands.includes(parameters[0]) && operands.includes(parameters[1]);
}

/** `np.prod(p, axis=1)` → `np.sum(np.log(p), axis=1)`; `p.prod(1)` → `p.log().sum(1)`. */
function prodFix(model: Model, operation: Operation): Fix[] {
  const input = operation.input;
  if (!input) return [];
  if (operation.library === 'math' || operation.library === 'builtins') {
    return [pythonLogSumFix(model, operation.node, input)];
  }
  const edits: TextEdit[] = [];
  const logged = logCall(model, operation, input, edits);
  if (operation.isMethod) {
    const member = memberParts(operation.call.callee);
    const property = operation.call.callee.childForFieldName(
      operation.call.callee.type === 'attribute' ? 'attribute' : 'property',
    );
    if (!member || !property) return [];
    edits.push(model.replace(member.object, logged), model.replace(property, 'sum'));
  } else {
    const sum = model.reference(...sumNames(operation));
    edits.push(model.replace(operation.call.callee, sum.text), model.replace(input, logged));
    if (sum.importEdit) edits.push(sum.importEdit);
  }
  const scaled = scaledProduct(model, operation, edits);
  return [logDomainFix(model, scaled ?? operation.node, edits)];
}

/** Places where `a * b` can become `log(a) + log(b)` without parentheses. */
const SUM_SAFE_CONTEXTS = new Set([
  'parenthesized_expression',
  'assignment',
  'return_statement',
  'argument_list',
  'keyword_argument',
  'expression_statement',
]);

/**
 * `prior * np.prod(p)` multiplies one more probability in: it becomes
 * `np.log(prior) + np.sum(np.log(p))`, so that the whole expression is a log-probability. Returns
 * the product node when it was rewritten.
 */
function scaledProduct(model: Model, operation: Operation, edits: TextEdit[]): Node | null {
  const product = operation.node.parent;
  const parts = product ? model.arithmetic(product) : null;
  const operator = product?.childForFieldName('operator');
  if (!product || !parts || parts.operator !== '*' || !operator || model.dialect !== 'python') {
    return null;
  }
  const other = parts.left.id === operation.node.id ? parts.right : parts.left;
  if (numberValue(other) !== null || !SUM_SAFE_CONTEXTS.has(product.parent?.type ?? ''))
    return null;
  const logged = logCall(model, { ...operation, isMethod: false }, other, edits);
  edits.push(model.replace(other, logged), model.replace(operator, '+'));
  return product;
}

function sumNames(operation: Operation): string[] {
  const qualified = operation.qualified ?? '';
  if (operation.library === 'tensorflow') {
    return ['tensorflow.reduce_sum', 'tensorflow.math.reduce_sum'];
  }
  return [`${qualified.slice(0, qualified.lastIndexOf('.'))}.sum`];
}

/** The log of a reduction's input, in the form its library writes it. */
function logCall(model: Model, operation: Operation, input: Node, edits: TextEdit[]): string {
  // log(p ** k) = k * log(p): the power itself would underflow before the log sees it.
  const power = model.arithmetic(unwrap(input));
  if (power?.operator === '**' && model.dialect === 'python') {
    const base = logCall(model, operation, power.left, edits);
    return `${operandText(model, power.right)} * ${base}`;
  }
  if (operation.isMethod && operation.library !== 'numpy') {
    return `${operandText(model, input)}.log()`;
  }
  const names: Record<string, string> = {
    numpy: 'numpy.log',
    scipy: 'numpy.log',
    torch: 'torch.log',
    tensorflow: 'tensorflow.math.log',
    jax: 'jax.numpy.log',
    tfjs: 'tfjs.log',
  };
  const reference = model.reference(names[operation.library] ?? 'numpy.log');
  if (reference.importEdit) edits.push(reference.importEdit);
  return `${reference.text}(${model.source(input)})`;
}

/** `math.prod(p)`, `reduce(mul, p)` → `math.fsum(map(math.log, p))`: exact summation of logs. */
function pythonLogSumFix(model: Model, call: Node, values: Node): Fix {
  const fsum = model.reference('math.fsum');
  const log = model.reference('math.log');
  const edits = [model.replace(call, `${fsum.text}(map(${log.text}, ${model.source(values)}))`)];
  for (const reference of [fsum, log]) if (reference.importEdit) edits.push(reference.importEdit);
  return logDomainFix(model, call, edits);
}

/** `p.reduce((a, b) => a * b, 1)` → `p.reduce((a, b) => a + Math.log(b), 0)`. */
function jsReduceFix(model: Model, call: Node, values: Node, callback: Node): Fix[] {
  const parameters = unwrap(callback)
    .childForFieldName('parameters')
    ?.descendantsOfType('identifier')
    .map((identifier) => identifier?.text);
  if (!parameters || parameters.length !== 2) return [];
  const [total, factor] = parameters;
  const text = `${operandText(model, values)}.reduce((${total}, ${factor}) => ${total} + Math.log(${factor}), 0)`;
  return [logDomainFix(model, call, [model.replace(call, text)])];
}

/**
 * The fix for a reduction, renaming the variable it is assigned to (`likelihood` →
 * `log_likelihood`) so that every use of it shows that it now holds a log-probability.
 */
function logDomainFix(model: Model, reduction: Node, edits: TextEdit[]): Fix {
  const target = assignedName(reduction);
  const renames = target ? renameEdits(model, target, logName(model, target.text)) : [];
  return { title: t(FIX_TITLE), safe: false, edits: [...edits, ...(renames ?? [])] };
}

/** The variable that a whole right-hand side is assigned to: `name = <node>`. */
function assignedName(node: Node): Node | null {
  const parent = node.parent;
  if (!parent) return null;
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === node.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left : null;
  }
  if (parent.type === 'variable_declarator' && parent.childForFieldName('value')?.id === node.id) {
    const name = parent.childForFieldName('name');
    return name?.type === 'identifier' ? name : null;
  }
  return null;
}

function logName(model: Model, name: string): string {
  if (model.dialect === 'python' || name.includes('_')) return `log_${name}`;
  return `log${name[0].toUpperCase()}${name.slice(1)}`;
}

/**
 * Edits renaming every use of a local variable in its scope, or null when that is not possible
 * without changing another name: the new name is taken, or a nested scope rebinds the old one.
 */
function renameEdits(model: Model, target: Node, newName: string): TextEdit[] | null {
  const scope = model.scopeOf(target);
  const bindings = model.bindingsOf(target.text, target);
  if (model.bindingsOf(newName, target).length > 0) return null;
  if (bindings.some((binding) => binding.kind === 'parameter' || binding.kind === 'import')) {
    return null;
  }
  const edits: TextEdit[] = [];
  for (const identifier of scope.descendantsOfType('identifier')) {
    if (!identifier || identifier.text !== target.text || !isVariableReference(identifier))
      continue;
    if (model.bindingsOf(target.text, identifier)[0] !== bindings[0]) continue;
    edits.push(model.replace(identifier, newName));
    edits.push(...thresholdEdits(model, identifier));
  }
  return edits;
}

/**
 * A renamed use compared with a positive constant (`likelihood > 0.5`) now holds a log: the
 * constant moves to the log domain with it (`log_likelihood > math.log(0.5)`), or the comparison
 * would silently mean something else.
 */
function thresholdEdits(model: Model, identifier: Node): TextEdit[] {
  const comparison = identifier.parent ? comparisonParts(identifier.parent) : null;
  if (!comparison || comparison.operands.length !== 2) return [];
  const other = comparison.operands.find((operand) => operand.id !== identifier.id);
  const value = other ? numberValue(other) : null;
  if (!other || value === null || value <= 0) return [];
  const log =
    model.dialect === 'ts' ? model.reference('Math.log') : model.reference('math.log', 'numpy.log');
  const edit = model.replace(other, `${log.text}(${model.source(other)})`);
  return log.importEdit ? [edit, log.importEdit] : [edit];
}

/** False for attribute names (`obj.score`) and keyword names (`f(score=…)`). */
function isVariableReference(identifier: Node): boolean {
  const parent = identifier.parent;
  if (!parent) return true;
  if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.id === identifier.id) {
    return false;
  }
  return !(
    parent.type === 'keyword_argument' && parent.childForFieldName('name')?.id === identifier.id
  );
}

// ---- Running products in a loop: score *= p, score = score * p ----

interface RunningProduct {
  accumulator: Node;
  factor: Node;
  probability: Probability;
}

function runningProduct(model: Model, node: Node): RunningProduct | null {
  const parts = productUpdate(model, node);
  if (!parts || !insideLoop(model, node)) return null;
  const probability = factorProbability(model, parts.factor);
  return probability ? { ...parts, probability } : null;
}

/** `acc *= f` or `acc = acc * f` (either order): the accumulator and the factor. */
function productUpdate(model: Model, node: Node): { accumulator: Node; factor: Node } | null {
  const parts = assignmentParts(node);
  if (!parts || typeOf(parts.left) !== 'identifier') return null;
  const { left, right } = parts;
  const type = typeOf(node);
  if (type === 'augmented_assignment' || type === 'augmented_assignment_expression') {
    const operator = node.childForFieldName('operator')?.type ?? node.children[1]?.type;
    return operator === '*=' ? { accumulator: left, factor: right } : null;
  }
  const product = model.arithmetic(right);
  if (!product || product.operator !== '*') return null;
  if (unwrap(product.left).text === left.text) return { accumulator: left, factor: product.right };
  if (unwrap(product.right).text === left.text) return { accumulator: left, factor: product.left };
  return null;
}

/** True when the node runs repeatedly: inside a loop of its own function. */
function insideLoop(model: Model, node: Node): boolean {
  const scope = model.scopeOf(node);
  for (
    let current = parentOf(node);
    current && current.id !== scope.id;
    current = parentOf(current)
  ) {
    if (current.type === 'for_statement' || current.type === 'while_statement') return true;
    if (current.type === 'for_in_statement' || current.type === 'do_statement') return true;
  }
  return false;
}

/** A probability factor, including a loop variable that runs over a collection of them. */
function factorProbability(model: Model, factor: Node): Probability | null {
  const direct = probabilityValue(model, factor);
  if (direct) return direct;
  const inner = unwrap(factor);
  if (inner.type !== 'identifier') return null;
  const binding = model.bindingAt(inner);
  if (binding?.kind !== 'loop' || !binding.iterable) return null;
  return probabilityValue(model, binding.iterable);
}

/**
 * A probability as the shared question answers it, and two more forms that products meet: an
 * attribute or an element of one whose name says probabilities (`self.likelihoods[:, word]`), and
 * a probability raised to a power (`likelihoods ** counts`), which stays in [0, 1].
 */
function probabilityValue(model: Model, node: Node, depth = 0): Probability | null {
  const shared = probabilityLike(model, node);
  if (shared || depth > 4) return shared;
  const value = model.resolve(node);
  const element =
    value.type === 'subscript' || value.type === 'subscript_expression'
      ? (value.childForFieldName('value') ?? value.childForFieldName('object'))
      : value;
  const member = element ? memberParts(element) : null;
  if (element && member && PROBABILITY_NAME.test(member.property)) {
    return { source: 'named', origin: element };
  }
  const power = model.arithmetic(value);
  if (power?.operator === '**') return probabilityValue(model, power.left, depth + 1);
  return null;
}

/**
 * Rewrites the accumulation into the log domain: the initial `acc = x` becomes
 * `log_acc = log(x)` (or `0.0` for a start of 1), the update becomes `log_acc += log(p)`, and
 * every other use of the accumulator in its scope is renamed.
 */
function loopFix(model: Model, update: Node, product: RunningProduct): Fix[] {
  const { accumulator, factor } = product;
  const bindings = model.bindingsOf(accumulator.text, accumulator);
  const writes = bindings.filter((binding) => binding.target.id !== accumulator.id);
  const initial = writes.length === 1 ? writes[0] : null;
  if (!initial || initial.kind !== 'assignment' || !initial.value) return [];
  if (initial.target.startIndex > update.startIndex) return [];

  const name = logName(model, accumulator.text);
  const renames = renameEdits(model, initial.target, name);
  if (!renames) return [];
  const log = logFunction(model, factor, product.probability);
  const zero = model.dialect === 'ts' ? '0' : '0.0';
  const start = isOne(initial.value) ? zero : `${log.text}(${model.source(initial.value)})`;
  const updated = `${name} += ${log.text}(${model.source(factor)})`;
  const keep = (edit: TextEdit): boolean =>
    !within(model, edit, initial.value as Node) && !within(model, edit, update);
  return [
    {
      title: t(FIX_TITLE),
      safe: false,
      edits: [
        ...renames.filter(keep),
        model.replace(initial.value, start),
        model.replace(update, updated),
        ...(log.importEdit ? [log.importEdit] : []),
      ],
    },
  ];
}

function within(model: Model, edit: TextEdit, node: Node): boolean {
  const range = model.rangeOf(node);
  const before = (a: { line: number; character: number }, b: typeof a): boolean =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(range.start, edit.range.start) && before(edit.range.end, range.end);
}

/**
 * The log to apply to one factor: `Math.log` in JavaScript; `np.log` in a file that uses NumPy
 * (it accepts Python floats, NumPy scalars and arrays); the library of the value that produced
 * the probability (a softmax output); otherwise `math.log` for plain floats.
 */
function logFunction(
  model: Model,
  factor: Node,
  probability: Probability,
): { text: string; importEdit: TextEdit | null } {
  if (model.dialect === 'ts') return { text: 'Math.log', importEdit: null };
  if (model.libraries.has('numpy')) return model.reference('numpy.log');
  const origin = model.operationOf(factor) ?? model.operationOf(probability.origin);
  if (origin && origin.library === 'torch') return model.reference('torch.log');
  if (origin && origin.library === 'jax') return model.reference('jax.numpy.log');
  if (origin && origin.library === 'tensorflow') return model.reference('tensorflow.math.log');
  return model.reference('math.log');
}
