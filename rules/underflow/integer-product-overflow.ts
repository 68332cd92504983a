// NG402 integer-product-overflow: integer products in a fixed 32-bit (or narrower) type.
//
// What it does: flags `np.prod` of a list of Python integers whose product exceeds 2**31 - 1 when
// no `dtype` is given, and an elementwise product (`*`, `**`) of NumPy arrays or PyTorch tensors
// created as int32, int16 or int8 (`dtype=np.int32`, `.astype('int16')`, `torch.int32`).
// Why is this bad? Integer arithmetic in NumPy and PyTorch wraps around silently: int32 holds
// values up to 2,147,483,647, so 70000 * 70000 gives -689,934,592 with no warning. `np.prod` of a
// Python list uses the platform's default integer, which is 32 bits on Windows before NumPy 2.
// Use instead: a 64-bit accumulator: `np.prod(factors, dtype=np.int64)`,
// `side.astype(np.int64) * side`, `side.long() * side`.
// Fix safety: safe. Every product that fits in 32 bits is unchanged; the others stop wrapping.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, memberParts, numberValue, stringValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { operandText } from '../precision/expressions';

const INT32_MAX = 2 ** 31 - 1;
const NARROW_INTEGER = /^(u?int(8|16|32)|short|int)$/;
const NARROW_INTEGER_NAME = /^u?int(8|16|32)$/;

export const integerProductOverflow: Rule = {
  meta: {
    code: 'NG402',
    name: 'integer-product-overflow',
    family: 'underflow',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: /prod|int|short/,
    summary: 'An integer product computed in 32 bits or fewer, which wraps around silently.',
    explanation:
      'NumPy and PyTorch integers wrap around without a warning: int32 stops at 2,147,483,647, so ' +
      '70000 * 70000 is -689,934,592. np.prod of a Python list uses a 32-bit integer on Windows ' +
      'before NumPy 2. Compute in int64: np.prod(x, dtype=np.int64), a.astype(np.int64) * b.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node) {
        const product = model.operation(node);
        if (!product || product.op !== 'prod' || product.library !== 'numpy') return;
        if (product.isMethod || !product.input || product.call.keywords.has('dtype')) return;
        const factors = literalIntegers(model, product.input);
        if (!factors || factors.reduce((a, b) => a * b, 1) <= INT32_MAX) return;
        context.report({
          node,
          message: t(
            'np.prod of Python integers uses the default integer, 32 bits on Windows before NumPy 2, and this product exceeds 2**31 - 1, so it can wrap around to a wrong (even negative) value. Pass dtype=np.int64.',
          ),
          fixes: () => prodDtypeFix(model, product),
        });
      },
      binary(node) {
        const arithmetic = model.arithmetic(node);
        if (!arithmetic || (arithmetic.operator !== '*' && arithmetic.operator !== '**')) return;
        const wide = wideningTarget(model, arithmetic);
        if (!wide) return;
        context.report({
          node,
          message: t(
            'This product is computed in {0}, which wraps around silently past its largest value (int32: 2,147,483,647; 70000 * 70000 gives -689,934,592). Convert one operand to int64 first.',
            wide.type.dtype,
          ),
          fixes: () => widenFix(model, wide.operand, wide.type.library),
        });
      },
    };
  },
};

/** The integers of a list or tuple literal of integer literals, looked up through a variable. */
function literalIntegers(model: Model, node: Node): number[] | null {
  const value = model.resolve(node);
  if (value.type !== 'list' && value.type !== 'tuple') return null;
  const values: number[] = [];
  for (const element of value.namedChildren) {
    if (!element) continue;
    const number = numberValue(element);
    if (unwrap(element).type !== 'integer' || number === null) return null;
    values.push(number);
  }
  return values.length >= 2 ? values : null;
}

/** Multiplying by a literal this large can wrap even int32 values that are far from the limit. */
const LARGE_FACTOR = 2 ** 16;

/**
 * The operand to widen in a product that can wrap: two narrow integer arrays multiplied, a narrow
 * array times a literal of at least 2**16, or a narrow array raised to a power of 2 or more.
 * Small literal factors (`idx * 2`) are left alone: they rarely reach the limit.
 */
function wideningTarget(
  model: Model,
  arithmetic: { operator: string; left: Node; right: Node },
): { operand: Node; type: NarrowInteger } | null {
  const left = narrowInteger(model, arithmetic.left);
  if (arithmetic.operator === '**') {
    return left && (numberValue(arithmetic.right) ?? 0) >= 2
      ? { operand: arithmetic.left, type: left }
      : null;
  }
  const right = narrowInteger(model, arithmetic.right);
  if (left && right) return { operand: arithmetic.left, type: left };
  const large = (node: Node): boolean =>
    unwrap(node).type === 'integer' && Math.abs(numberValue(node) ?? 0) >= LARGE_FACTOR;
  if (left && large(arithmetic.right)) return { operand: arithmetic.left, type: left };
  if (right && large(arithmetic.left)) return { operand: arithmetic.right, type: right };
  return null;
}

interface NarrowInteger {
  dtype: string;
  library: 'numpy' | 'torch';
}

/**
 * The narrow integer type of an array or tensor, from the call that created it: a `dtype=`
 * keyword (`np.int32`, `'int16'`, `torch.int32`), `.astype(np.int32)`, `.int()`, `.short()`.
 */
function narrowInteger(model: Model, node: Node): NarrowInteger | null {
  const value = model.resolve(node);
  const call = callParts(value);
  if (!call) return null;
  const member = memberParts(call.callee);
  if (member && ['astype', 'to', 'type'].includes(member.property) && call.args[0]) {
    return dtypeOf(model, call.args[0]);
  }
  if (member && (member.property === 'int' || member.property === 'short') && !call.args.length) {
    return { dtype: member.property === 'int' ? 'int32' : 'int16', library: 'torch' };
  }
  const dtype = call.keywords.get('dtype');
  if (!dtype) return null;
  const library = model.qualifiedName(call.callee)?.split('.')[0];
  const found = dtypeOf(model, dtype);
  if (!found) return null;
  return library === 'torch' ? { ...found, library: 'torch' } : found;
}

function dtypeOf(model: Model, node: Node): NarrowInteger | null {
  const text = stringValue(node);
  if (text !== null) {
    return NARROW_INTEGER_NAME.test(text) ? { dtype: text, library: 'numpy' } : null;
  }
  const qualified = model.qualifiedName(node);
  if (!qualified) return null;
  const [root, ...rest] = qualified.split('.');
  const name = rest.join('.');
  if (root === 'numpy' && NARROW_INTEGER_NAME.test(name)) return { dtype: name, library: 'numpy' };
  if (root === 'torch' && NARROW_INTEGER.test(name)) {
    const dtype = name === 'int' ? 'int32' : name === 'short' ? 'int16' : name;
    return { dtype, library: 'torch' };
  }
  return null;
}

function prodDtypeFix(model: Model, product: Operation): Fix[] {
  const argumentList = product.call.argumentList;
  const closing = argumentList?.lastChild;
  if (!argumentList || closing?.type !== ')') return [];
  const int64 = model.reference('numpy.int64');
  const position = model.positionAt(closing.startIndex);
  const previous = closing.previousSibling;
  const separator = previous?.type === ',' ? ' ' : ', ';
  return [
    {
      title: t('Pass {0}', `dtype=${int64.text}`),
      safe: true,
      edits: [
        { range: { start: position, end: position }, newText: `${separator}dtype=${int64.text}` },
        ...(int64.importEdit ? [int64.importEdit] : []),
      ],
    },
  ];
}

function widenFix(model: Model, operand: Node, library: 'numpy' | 'torch'): Fix[] {
  if (library === 'torch') {
    return [
      {
        title: t('Convert to int64 first'),
        safe: true,
        edits: [model.replace(operand, `${operandText(model, operand)}.long()`)],
      },
    ];
  }
  const int64 = model.reference('numpy.int64');
  return [
    {
      title: t('Convert to int64 first'),
      safe: true,
      edits: [
        model.replace(operand, `${operandText(model, operand)}.astype(${int64.text})`),
        ...(int64.importEdit ? [int64.importEdit] : []),
      ],
    },
  ];
}
