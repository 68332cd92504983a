// The stable spellings that the log-domain rules write: log_softmax and log-sigmoid in the
// library of the call they replace, a dtype-aware floor before a log, and the small pieces of
// text (negation, grouping) that the fixes need. Each helper names things through
// `model.reference`, so the file's own aliases are reused and a missing import is added.

import type { Node } from 'web-tree-sitter';
import type { Model, Operation } from '../engine/model';
import { contains, parentOf, typeOf, unaryParts, unwrap } from '../engine/syntax';
import type { TextEdit } from '../engine/types';
import { activationOf, type Activation } from './activations';

/** A call and the import it may need, ready to become a fix. */
export interface Rewrite {
  text: string;
  /** The name shown in the fix title, such as `F.log_softmax`. */
  name: string;
  imports: TextEdit[];
}

/** The `log` operation of a call, in any spelling, when it has an input. */
export function logOperation(model: Model, node: Node): Operation | null {
  const operation = model.operation(node);
  return operation?.op === 'log' && operation.input ? operation : null;
}

/** True when the text can be used as an operand without parentheses. */
export function isAtomic(text: string): boolean {
  return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[[^\][]*\]|\((?:[^()]|\([^()]*\))*\))*$/.test(text);
}

export function grouped(text: string): string {
  return isAtomic(text) ? text : `(${text})`;
}

/** The negation of an expression: `-x` in Python, `tf.neg(x)` for tfjs tensors. */
export function negatedText(model: Model, library: Operation['library'], text: string): string {
  if (library === 'tfjs') return `${model.reference('tfjs.neg').text}(${text})`;
  const trimmed = text.trim();
  if (trimmed.startsWith('-') && isAtomic(trimmed.slice(1))) return trimmed.slice(1);
  return `-${grouped(trimmed)}`;
}

/** The negation of a node's value, reading `-x` and `tf.neg(x)` back to `x`. */
export function negatedNode(model: Model, library: Operation['library'], node: Node): string {
  const inner = unwrap(node);
  const unary = unaryParts(inner);
  // The result is always a whole call argument, so the operand's own parentheses can go.
  if (unary?.operator === '-') return model.source(unwrap(unary.argument));
  const operation = model.operation(inner);
  if (operation?.op === 'neg' && operation.input) return model.source(unwrap(operation.input));
  return negatedText(model, library, model.source(inner));
}

/** The name of a sibling function in the module of a function-form call. */
function sibling(qualified: string, name: string): string {
  return `${qualified.slice(0, qualified.lastIndexOf('.'))}.${name}`;
}

function rewrite(model: Model, candidates: string[], args: string): Rewrite {
  const reference = model.reference(...candidates);
  return {
    text: `${reference.text}${args}`,
    name: reference.text,
    imports: reference.importEdit ? [reference.importEdit] : [],
  };
}

/**
 * `log_softmax` with the same arguments as a softmax call, so the axis (explicit or default) is
 * the same: `F.softmax(z, dim=1)` → `F.log_softmax(z, dim=1)`, `z.softmax(-1)` →
 * `z.log_softmax(-1)`, `tf.softmax(z)` → `tf.logSoftmax(z)`.
 */
export function logSoftmaxOf(model: Model, activation: Activation): Rewrite | null {
  const softmax = activation.operation;
  if (!softmax) return moduleLogSoftmax(model, activation);
  const args = softmax.call.argumentList ? model.source(softmax.call.argumentList) : null;
  if (!args) return null;
  const methodName = softmax.library === 'tfjs' ? 'logSoftmax' : 'log_softmax';
  if (softmax.isMethod) {
    if (!softmax.input || !['torch', 'tfjs'].includes(softmax.library)) return null;
    return {
      text: `${grouped(model.source(softmax.input))}.${methodName}${args}`,
      name: `.${methodName}`,
      imports: [],
    };
  }
  if (!softmax.qualified) return null;
  const fallback: Partial<Record<Operation['library'], string>> = {
    torch: 'torch.log_softmax',
    tensorflow: 'tensorflow.nn.log_softmax',
  };
  const candidates = [sibling(softmax.qualified, methodName)];
  const extra = fallback[softmax.library];
  if (extra && extra !== candidates[0]) candidates.push(extra);
  return rewrite(model, candidates, args);
}

/** `nn.Softmax(dim=1)(z)` → `F.log_softmax(z, dim=1)`; a Keras Softmax layer → `tf.nn.log_softmax`. */
function moduleLogSoftmax(model: Model, activation: Activation): Rewrite | null {
  if (!activation.input) return null;
  const input = model.source(activation.input);
  const torch = activation.library === 'torch';
  const keyword = torch ? 'dim' : 'axis';
  const axis = activation.axis ? `, ${keyword}=${model.source(activation.axis)}` : '';
  const candidates = torch
    ? ['torch.nn.functional.log_softmax', 'torch.log_softmax']
    : ['tensorflow.nn.log_softmax', 'keras.ops.log_softmax'];
  return rewrite(model, candidates, `(${input}${axis})`);
}

/** The log-sigmoid function of each library, for a call on a sigmoid's input. */
const LOG_SIGMOID: Partial<Record<Operation['library'], string>> = {
  torch: 'torch.nn.functional.logsigmoid',
  tensorflow: 'tensorflow.math.log_sigmoid',
  jax: 'jax.nn.log_sigmoid',
  scipy: 'scipy.special.log_expit',
  numpy: 'scipy.special.log_expit',
  tfjs: 'tfjs.logSigmoid',
};

/**
 * `log(sigmoid(x))` as a log-sigmoid of `x` in the sigmoid's library, or of `-x` for
 * `log(1 - sigmoid(x))` (`1 - sigmoid(x)` is `sigmoid(-x)`).
 */
export function logSigmoidOf(model: Model, sigmoid: Activation, negate: boolean): Rewrite | null {
  if (!sigmoid.input) return null;
  const name = LOG_SIGMOID[sigmoid.library];
  if (!name) return null;
  const argument = negate
    ? negatedNode(model, sigmoid.library, sigmoid.input)
    : model.source(sigmoid.input);
  return rewrite(model, [name], `(${argument})`);
}

/**
 * The sigmoid whose complement a value is: `1 - sigmoid(x)`, `1 - p` with `p = sigmoid(x)`, and
 * `1. - p`.
 */
export function complementedSigmoid(model: Model, node: Node): Activation | null {
  const arithmetic = model.arithmetic(model.resolve(node));
  if (arithmetic?.operator !== '-' || !isOne(arithmetic.left)) return null;
  const inner = activationOf(model, arithmetic.right);
  return inner?.op === 'sigmoid' ? inner : null;
}

export function isOne(node: Node): boolean {
  return /^1(\.0*)?$/.test(unwrap(node).text);
}

/**
 * A floor that keeps a value away from 0 before a log, chosen per library and dtype: the smallest
 * normal number of the value's dtype (`finfo(dtype).tiny`). It leaves every normal probability
 * unchanged and replaces only 0 and subnormals, so the log stays finite (at least -87.3 in
 * float32, -708.4 in float64) and the result changes nowhere else. tfjs asks its backend for the
 * epsilon of the float type it computes in; plain JavaScript numbers are doubles.
 */
export function flooredText(
  model: Model,
  library: Operation['library'],
  value: Node,
): Rewrite | null {
  const text = model.source(value);
  const dtypeSource = dtypeCarrier(model, value);
  switch (library) {
    case 'torch': {
      if (!dtypeSource) return null;
      const finfo = model.reference('torch.finfo');
      return {
        text: `${grouped(text)}.clamp_min(${finfo.text}(${dtypeSource}.dtype).tiny)`,
        name: 'clamp_min',
        imports: finfo.importEdit ? [finfo.importEdit] : [],
      };
    }
    case 'numpy':
    case 'scipy': {
      if (!dtypeSource) return null;
      const np = model.reference('numpy.clip');
      const finfo = model.reference('numpy.finfo');
      return {
        text: `${np.text}(${text}, ${finfo.text}(${dtypeSource}.dtype).tiny, None)`,
        name: np.text,
        imports: uniqueImports(np.importEdit, finfo.importEdit),
      };
    }
    case 'jax': {
      if (!dtypeSource) return null;
      const maximum = model.reference('jax.numpy.maximum');
      const finfo = model.reference('jax.numpy.finfo');
      return {
        text: `${maximum.text}(${text}, ${finfo.text}(${dtypeSource}.dtype).tiny)`,
        name: maximum.text,
        imports: uniqueImports(maximum.importEdit, finfo.importEdit),
      };
    }
    case 'tensorflow': {
      if (!dtypeSource) return null;
      const maximum = model.reference('tensorflow.maximum');
      const finfo = model.reference('numpy.finfo');
      const tiny = `${finfo.text}(${dtypeSource}.dtype.as_numpy_dtype).tiny`;
      return {
        text: `${maximum.text}(${text}, ${tiny})`,
        name: maximum.text,
        imports: uniqueImports(maximum.importEdit, finfo.importEdit),
      };
    }
    case 'tfjs': {
      const maximum = model.reference('tfjs.maximum');
      const backend = model.reference('tfjs.backend');
      return {
        text: `${maximum.text}(${text}, ${backend.text}().epsilon())`,
        name: maximum.text,
        imports: uniqueImports(maximum.importEdit, backend.importEdit),
      };
    }
    case 'Math':
      return { text: `Math.max(${text}, Number.MIN_VALUE)`, name: 'Math.max', imports: [] };
    case 'math':
    case 'builtins': {
      const floatInfo = model.reference('sys.float_info');
      return {
        text: `max(${text}, ${floatInfo.text}.min)`,
        name: 'max',
        imports: floatInfo.importEdit ? [floatInfo.importEdit] : [],
      };
    }
    default:
      return null;
  }
}

function uniqueImports(...edits: (TextEdit | null)[]): TextEdit[] {
  const seen = new Set<string>();
  const result: TextEdit[] = [];
  for (const edit of edits) {
    if (!edit || seen.has(edit.newText)) continue;
    seen.add(edit.newText);
    result.push(edit);
  }
  return result;
}

/**
 * A short expression with the dtype of `value`: the value itself when it is a plain name or
 * attribute, otherwise the first tensor-like name inside it (`p` in `1 - p`).
 */
function dtypeCarrier(model: Model, value: Node): string | null {
  const inner = unwrap(value);
  if (/^[A-Za-z_][\w.]*$/.test(inner.text) && model.qualifiedName(inner) === null) {
    return inner.text;
  }
  for (const identifier of inner.descendantsOfType('identifier')) {
    if (!identifier || model.qualifiedName(identifier) !== null) continue;
    const parent = identifier.parent;
    // A callee, a keyword's name or a method name carries no dtype.
    if (
      parent?.type === 'keyword_argument' &&
      parent.childForFieldName('name')?.id === identifier.id
    ) {
      continue;
    }
    if (
      parent?.type === 'attribute' &&
      parent.childForFieldName('attribute')?.id === identifier.id
    ) {
      continue;
    }
    if (parent?.type === 'call' && parent.childForFieldName('function')?.id === identifier.id) {
      continue;
    }
    return identifier.text;
  }
  return null;
}

/**
 * True when a condition keeps the log's argument away from 0: the log sits in a `where` branch
 * (`np.where(p > 0, p * np.log(p), 0)`), under an `if` or a conditional expression that tests
 * the argument (`math.log(p) if p > 0 else 0`), or the argument keeps only its positive entries
 * (`p = p[p > 0]`). The log is then a deliberate, guarded computation.
 */
export function guardedByCondition(model: Model, log: Operation): boolean {
  if (!log.input) return false;
  const argument = model.source(unwrap(log.input));
  const mentionsArgument = (condition: Node | null | undefined): boolean =>
    !!condition && !contains(condition, log.node) && model.source(condition).includes(argument);
  let ancestor = parentOf(log.node);
  for (let reach = 0; ancestor && reach < GUARD_REACH; reach++, ancestor = parentOf(ancestor)) {
    const operation = model.operation(ancestor);
    if (operation?.op === 'where' && mentionsArgument(operation.input)) return true;
    if (CONDITIONALS.has(typeOf(ancestor))) {
      const condition =
        ancestor.childForFieldName('condition') ??
        (ancestor.type === 'conditional_expression' ? ancestor.namedChildren[1] : null);
      if (mentionsArgument(condition)) return true;
    }
  }
  const value = model.resolve(log.input);
  if (value.type === 'subscript' || value.type === 'subscript_expression') {
    const base = value.childForFieldName('value') ?? value.childForFieldName('object');
    const index = value.childForFieldName('subscript') ?? value.childForFieldName('index');
    return !!base && !!index && /[<>]/.test(index.text) && index.text.includes(base.text);
  }
  return false;
}

/**
 * How many ancestors up a guard is looked for. Real guards sit a few statements up, though a
 * long generated sum puts one node per term between a log and its `if`; without a bound, every
 * log of a thousands-deep nested expression would climb the whole nesting.
 */
const GUARD_REACH = 1000;

const CONDITIONALS = new Set([
  'if_statement',
  'elif_clause',
  'conditional_expression',
  'ternary_expression',
  'while_statement',
]);
