// What the code says about a tensor's floating-point type: `.half()`, `dtype=torch.float16`,
// `.astype(np.float16)`, or a `torch.autocast` region that computes in float16. The answers are
// three-valued: `half` when the code makes the value float16, `other` when it makes it some
// other type (float32 by default, `.float()`, bfloat16), and null when nothing says.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import { callParts, contains, memberParts, parentOf, stringValue, unwrap } from '../engine/syntax';

export type Precision = 'half' | 'other';

const HALF_DTYPES = new Set([
  'torch.float16',
  'torch.half',
  'numpy.float16',
  'numpy.half',
  'jax.numpy.float16',
  'tensorflow.float16',
  'tensorflow.half',
  'tensorflow.dtypes.float16',
]);
const HALF_DTYPE_STRINGS = new Set(['float16', 'half', 'f2', 'fp16']);

/**
 * Words one of which occurs in every file that computes in float16 by any of the means above: a
 * dtype name or string, `.half()`, CUDA autocast (float16 by default), Keras's `mixed_float16`.
 */
export const HALF_PRECISION_WORDS = /half|float16|fp16|autocast|['"]f2['"]/;
const OTHER_DTYPE = /^(float32|float64|float|double|bfloat16|single|f4|f8|complex\d*|int\d*)$/;

/** Methods that return a tensor of the receiver's dtype. */
const DTYPE_PRESERVING = new Set([
  'masked_fill',
  'masked_fill_',
  'transpose',
  'permute',
  'view',
  'reshape',
  'contiguous',
  'clone',
  'unsqueeze',
  'squeeze',
  'expand',
  'expand_as',
  'repeat',
  'detach',
  'matmul',
  'bmm',
  'mm',
  'add',
  'sub',
  'mul',
  'div',
  'neg',
  'abs',
  'exp',
  'tanh',
  'sigmoid',
  'relu',
  'where',
  'fill_',
  'flatten',
  'cuda',
  'cpu',
]);
const DTYPE_CHANGING_METHODS: Record<string, Precision> = {
  half: 'half',
  float: 'other',
  double: 'other',
  bfloat16: 'other',
  int: 'other',
  long: 'other',
  bool: 'other',
};
/** Library functions that create a new tensor: float32 (float64 in NumPy) unless told. */
const CREATION = new Set([
  'randn',
  'rand',
  'zeros',
  'ones',
  'empty',
  'tensor',
  'array',
  'asarray',
  'full',
  'arange',
  'linspace',
  'randn_like',
  'zeros_like',
  'ones_like',
  'full_like',
  'empty_like',
]);

/** Whether a dtype expression (`torch.float16`, `np.half`, `'float16'`) names float16. */
export function dtypePrecision(model: Model, node: Node): Precision | null {
  const inner = unwrap(node);
  const text = stringValue(inner);
  if (text !== null) {
    if (HALF_DTYPE_STRINGS.has(text)) return 'half';
    return OTHER_DTYPE.test(text) ? 'other' : null;
  }
  const qualified = model.qualifiedName(inner);
  if (!qualified) return null;
  if (HALF_DTYPES.has(qualified)) return 'half';
  const last = qualified.slice(qualified.lastIndexOf('.') + 1);
  return OTHER_DTYPE.test(last) ? 'other' : null;
}

/**
 * The value an identifier holds where it is read, skipping the assignment that the read is part
 * of: in `scores = scores.masked_fill(...)`, the receiver is the earlier `scores`.
 */
export function priorValue(model: Model, identifier: Node): Node | null {
  let best: Node | null = null;
  let bestStart = -1;
  for (const binding of model.bindingsOf(identifier.text, identifier)) {
    const start = binding.target.startIndex;
    if (start >= identifier.startIndex || start < bestStart) continue;
    if (binding.value && contains(binding.value, identifier)) continue;
    bestStart = start;
    best = binding.kind === 'assignment' ? binding.value : null;
  }
  return best;
}

/** The precision of a tensor expression, as far as the code shows it. */
export function tensorPrecision(model: Model, node: Node, depth = 0): Precision | null {
  if (depth > 8) return null;
  const inner = unwrap(node);
  if (inner.type === 'identifier') {
    const value = priorValue(model, inner);
    return value ? tensorPrecision(model, value, depth + 1) : null;
  }
  if (inner.type === 'subscript' || inner.type === 'subscript_expression') {
    const base = inner.childForFieldName('value') ?? inner.childForFieldName('object');
    return base ? tensorPrecision(model, base, depth + 1) : null;
  }
  const arithmetic = model.arithmetic(inner);
  if (arithmetic && inner.type.startsWith('binary')) {
    const left = tensorPrecision(model, arithmetic.left, depth + 1);
    const right = tensorPrecision(model, arithmetic.right, depth + 1);
    if (left === 'other' || right === 'other') return 'other';
    return left ?? right;
  }
  const call = callParts(inner);
  return call ? callPrecision(model, inner, depth) : null;
}

function callPrecision(model: Model, node: Node, depth: number): Precision | null {
  const call = callParts(node);
  if (!call) return null;
  const dtype = call.keywords.get('dtype');
  if (dtype) return dtypePrecision(model, dtype);

  const qualified = model.qualifiedName(call.callee);
  if (qualified === 'tensorflow.cast' && call.args[1]) return dtypePrecision(model, call.args[1]);
  const member = memberParts(call.callee);
  if (member && !qualified) {
    const method = member.property;
    if (method in DTYPE_CHANGING_METHODS) return DTYPE_CHANGING_METHODS[method];
    if (method === 'to' || method === 'type' || method === 'astype') {
      for (const argument of call.args) {
        const precision = dtypePrecision(model, argument);
        if (precision) return precision;
      }
    }
    if (DTYPE_PRESERVING.has(method) || method === 'to') {
      return tensorPrecision(model, member.object, depth + 1);
    }
    return null;
  }
  if (!qualified) return null;
  const last = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (CREATION.has(last)) {
    if (last.endsWith('_like') && call.args[0]) {
      return tensorPrecision(model, call.args[0], depth + 1);
    }
    return 'other';
  }
  if (DTYPE_PRESERVING.has(last) && call.args[0]) {
    return tensorPrecision(model, call.args[0], depth + 1);
  }
  return null;
}

// ---- Autocast regions and mixed-precision policies ----

/**
 * `keras.mixed_precision.set_global_policy('mixed_float16')` (or a `Policy('mixed_float16')`):
 * from then on Keras layers compute in float16.
 */
export function isMixedFloat16Policy(model: Model, node: Node): boolean {
  const call = callParts(node);
  if (!call || !call.args[0]) return false;
  const qualified = model.qualifiedName(call.callee) ?? '';
  if (!/mixed_precision\.(set_global_policy|set_policy|Policy)$/.test(qualified)) return false;
  return stringValue(call.args[0]) === 'mixed_float16';
}

const AUTOCAST = new Set([
  'torch.autocast',
  'torch.amp.autocast',
  'torch.cuda.amp.autocast',
  'torch.cpu.amp.autocast',
  'torch.amp.autocast_mode.autocast',
]);

/**
 * The precision an autocast call computes in: float16 for `dtype=torch.float16`, for
 * `torch.cuda.amp.autocast()` and for CUDA autocast with no dtype (its default); `other` for
 * bfloat16 and CPU autocast; null when it is not an autocast or the device is not written.
 */
export function autocastPrecision(model: Model, node: Node): Precision | null {
  const call = callParts(unwrap(node));
  if (!call) return null;
  const qualified = model.qualifiedName(call.callee);
  if (!qualified || !AUTOCAST.has(qualified)) return null;
  // `autocast(**settings)`: the dtype is decided elsewhere.
  if (call.argumentList?.namedChildren.some((child) => child?.type === 'dictionary_splat')) {
    return null;
  }
  const enabled = call.keywords.get('enabled');
  if (enabled && (enabled.text === 'False' || enabled.text === 'false')) return null;
  const dtype = call.keywords.get('dtype');
  if (dtype) return dtypePrecision(model, dtype);
  if (qualified === 'torch.cuda.amp.autocast') return 'half';
  if (qualified === 'torch.cpu.amp.autocast') return 'other';
  const device = call.keywords.get('device_type') ?? call.args[0];
  const deviceName = device ? stringValue(device) : null;
  if (deviceName === 'cuda') return 'half';
  return deviceName === null ? null : 'other';
}

/** The autocast call of the innermost `with` that encloses `node`, and its precision. */
export function enclosingAutocast(
  model: Model,
  node: Node,
): { call: Node; precision: Precision } | null {
  for (let current = parentOf(node); current; current = parentOf(current)) {
    if (current.type === 'function_definition' || current.type === 'class_definition') break;
    if (current.type !== 'with_statement') continue;
    for (const item of current.descendantsOfType('with_item')) {
      if (!item || item.parent?.parent?.id !== current.id) continue;
      let value = item.childForFieldName('value');
      if (value?.type === 'as_pattern') value = value.namedChildren[0] ?? null;
      if (!value) continue;
      const precision = autocastPrecision(model, value);
      if (precision) return { call: value, precision };
    }
  }
  return null;
}

/**
 * The precision a value is computed in at `site`: what the code says about the tensor, or else
 * the precision of the autocast region around the site.
 */
export function precisionAt(model: Model, tensor: Node | null, site: Node): Precision | null {
  const own = tensor ? tensorPrecision(model, tensor) : null;
  if (own) return own;
  return enclosingAutocast(model, site)?.precision ?? null;
}
