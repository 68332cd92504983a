// NG501 unguarded-division: division by a standard deviation, a norm or a mask count with no
// epsilon or guard.
//
// What it does: flags `x / x.std()`, `(x - mean) / std` with `std = x.std(...)`,
// `v / np.linalg.norm(v)`, `v / v.norm(dim=-1, keepdim=True)`, `tf.math.reduce_std`,
// `sqrt(var)`, and `(loss * mask).sum() / mask.sum()`, when the denominator has no floor
// (`+ eps`, `clamp(min=eps)`, `np.maximum(std, eps)`, `np.where(std > 0, std, 1)`).
// Why is this bad? These denominators are exactly 0 in ordinary situations: the standard
// deviation of a constant feature, the norm of a zero vector (padding, a dead embedding), the
// count of a mask that selects nothing. 0 / 0 is NaN, and one NaN spreads to every later value.
// Use instead: `std + eps`, `F.normalize(v, dim=-1)` for L2 normalisation in PyTorch (it clamps the
// norm), `mask.sum().clamp(min=1)` for counts.
// Fix safety: unsafe. The epsilon changes the result slightly for every input (by about eps / std
// relative); a count clamped to 1 changes only the empty case.
//
// A test of the denominator before the division silences it: `if beta > 0:`, an earlier
// `if std == 0: return ...`, `a / d if d else 0`, `assert d > 0`. The test may name the
// denominator or the value it reduces (`if np.allclose(v, 0): return` before `/ norm(v)`).
//
// A sum is not flagged in general: `counts / counts.sum()` turns counts into frequencies, and its
// total is 0 only for an empty histogram, which such code rarely meets. Mask counts are different:
// a batch whose mask selects nothing is routine (all padding, no positive label).

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { memberParts, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { hasFloor } from '../engine/values';
import { AUTODIFF_LIBRARIES, epsilonInScope, operandText } from '../precision/expressions';
import { guardedByControlFlow, guardSubjects } from './control-guards';

type DenominatorKind = 'spread' | 'norm' | 'count';

const MASK_NAME = /mask/i;

export const unguardedDivision: Rule = {
  meta: {
    code: 'NG501',
    name: 'unguarded-division',
    family: 'division-roots',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /std|var|norm|sum/,
    summary: 'Division by a standard deviation, a norm or a mask count with no epsilon or guard.',
    explanation:
      'A standard deviation is 0 for a constant feature, a norm is 0 for a zero vector, and a mask ' +
      'count is 0 when nothing is selected: the division is then 0 / 0 = NaN, which spreads to ' +
      'every later value. Add an epsilon (std + eps), use F.normalize for L2 normalisation, or ' +
      'clamp a count to at least 1.',
  },
  create(context) {
    const { model } = context;
    return {
      binary: (node) => check(node),
      call: (node) => check(node),
    };

    function check(node: Node): void {
      const division = model.arithmetic(node);
      if (!division || division.operator !== '/') return;
      const denominator = hazardousDenominator(model, division.right);
      if (!denominator || isGuarded(model, division.right)) return;
      // A test of a vector (`np.allclose(v, 0)`) speaks for its norm; a test of the values of
      // data (`np.any(x <= 0)`) says nothing about their spread.
      const reduced = denominator.kind === 'norm' ? denominator.operation.input : null;
      const subjects = guardSubjects(model, division.right, reduced);
      if (guardedByControlFlow(model, division.node, subjects)) return;

      context.report({
        node: division.node,
        message: messageFor(denominator.kind),
        related: [
          { node: denominator.operation.node, message: t('The denominator is computed here.') },
        ],
        fixes: () => buildFixes(model, division, denominator),
      });
    }
  },
};

function messageFor(kind: DenominatorKind): string {
  switch (kind) {
    case 'spread':
      return t(
        'Division by a standard deviation with no guard: it is 0 for a constant feature or identical values, and 0 / 0 = NaN. Add an epsilon or guard the zero.',
      );
    case 'norm':
      return t(
        'Division by a norm with no guard: a zero vector has norm 0, and 0 / 0 = NaN. Add an epsilon, or use F.normalize in PyTorch.',
      );
    case 'count':
      return t(
        'Division by the count of a mask with no guard: when the mask selects nothing the count is 0, and 0 / 0 = NaN. Clamp the count to at least 1.',
      );
  }
}

interface Denominator {
  kind: DenominatorKind;
  operation: Operation;
}

/** What makes a denominator able to be exactly 0, looking through variables. */
function hazardousDenominator(model: Model, node: Node): Denominator | null {
  const operation = model.operationOf(node);
  if (!operation) return null;
  if (operation.op === 'std' || operation.op === 'var') return { kind: 'spread', operation };
  if (operation.op === 'norm' || operation.qualified?.endsWith('.vector_norm')) {
    return { kind: 'norm', operation };
  }
  if (operation.op === 'sqrt' && operation.input) {
    const inner = model.operationOf(operation.input);
    if (inner?.op === 'var') return { kind: 'spread', operation };
  }
  if (operation.op === 'sum' && operation.input) {
    const summed = unwrap(operation.input);
    const name = summed.type === 'identifier' ? summed.text : model.source(summed);
    if (MASK_NAME.test(name) && /^[\w.]+$/.test(name)) return { kind: 'count', operation };
  }
  return null;
}

/**
 * True when the denominator is kept away from 0: a floor in its expression or its variable's
 * value, or a later repair of the variable (`std[std == 0] = 1`, `std += eps`). Guards written
 * as control flow are asked separately (`guardedByControlFlow`).
 */
function isGuarded(model: Model, node: Node): boolean {
  if (hasFloor(model, node)) return true;
  const inner = unwrap(node);
  if (inner.type !== 'identifier') return false;
  const binding = model.bindingAt(inner);
  if (!binding) return false;
  if (binding.kind === 'augmented') return true;
  if (binding.value && hasFloor(model, binding.value)) return true;
  const scope = model.scopeOf(inner);
  return scope.descendantsOfType(['assignment', 'assignment_expression']).some((write) => {
    const target = write?.childForFieldName('left');
    if (!write || !target || write.startIndex > inner.startIndex) return false;
    if (write.startIndex < binding.target.startIndex) return false;
    const base = target.childForFieldName('value') ?? target.childForFieldName('object');
    return target.type.startsWith('subscript') && base?.text === inner.text;
  });
}

function buildFixes(
  model: Model,
  division: { left: Node; right: Node; node: Node },
  denominator: Denominator,
): Fix[] {
  const fixes: Fix[] = [];
  const normalize = normalizeFix(model, division, denominator);
  if (normalize) fixes.push(normalize);
  fixes.push(
    denominator.kind === 'count'
      ? countFix(model, division.right, denominator.operation)
      : epsilonFix(model, division.right, denominator.operation),
  );
  return fixes;
}

/** `v / v.norm(dim=-1, keepdim=True)` → `F.normalize(v, dim=-1)`, which clamps the norm at 1e-12. */
function normalizeFix(
  model: Model,
  division: { left: Node; right: Node; node: Node },
  denominator: Denominator,
): Fix | null {
  const norm = denominator.operation;
  if (denominator.kind !== 'norm' || norm.library !== 'torch' || !norm.input) return null;
  const dim = norm.call.keywords.get('dim');
  const keepdim = norm.call.keywords.get('keepdim');
  const extra = [...norm.call.keywords.keys()].filter((key) => key !== 'dim' && key !== 'keepdim');
  if (!dim || keepdim?.text !== 'True' || extra.length > 0) return null;
  if (norm.isMethod ? norm.rest.length > 0 : norm.rest.length > 0) return null;
  if (model.source(unwrap(division.left)) !== model.source(unwrap(norm.input))) return null;
  const reference = model.reference('torch.nn.functional.normalize');
  return {
    title: t('Use {0}', `${reference.text}`),
    safe: false,
    edits: [
      model.replace(
        division.node,
        `${reference.text}(${model.source(norm.input)}, dim=${model.source(dim)})`,
      ),
      ...(reference.importEdit ? [reference.importEdit] : []),
    ],
  };
}

const DEFAULT_EPSILON = '1e-8';

function epsilonFix(model: Model, denominator: Node, operation: Operation): Fix {
  const eps = epsilonInScope(model, denominator) ?? DEFAULT_EPSILON;
  const root = model.operation(denominator);
  if (root?.op === 'sqrt' && root.input && AUTODIFF_LIBRARIES.has(root.library)) {
    // Under autograd the epsilon goes inside the root: outside, the gradient at 0 is still NaN.
    return {
      title: t('Add {0} inside the square root', eps),
      safe: false,
      edits: [model.replace(root.input, `${model.source(root.input)} + ${eps}`)],
    };
  }
  const text =
    operation.library === 'tfjs' && !isPlainNumber(model, denominator)
      ? `${operandText(model, denominator)}.add(${eps})`
      : inArgumentList(denominator)
        ? `${model.source(denominator)} + ${eps}`
        : `(${model.source(denominator)} + ${eps})`;
  return {
    title: t('Add {0} to the denominator', eps),
    safe: false,
    edits: [model.replace(denominator, text)],
  };
}

/** A count clamped to at least 1: the empty mask gives 0 / 1 = 0 instead of NaN. */
function countFix(model: Model, denominator: Node, operation: Operation): Fix {
  const source = model.source(denominator);
  const edits = [];
  let text: string;
  if (operation.library === 'torch' || operation.library === 'tfjs') {
    text =
      operation.library === 'torch'
        ? `${operandText(model, denominator)}.clamp(min=1)`
        : `${operandText(model, denominator)}.maximum(1)`;
  } else {
    const names: Record<string, string> = {
      tensorflow: 'tensorflow.maximum',
      jax: 'jax.numpy.maximum',
    };
    const reference = model.reference(names[operation.library] ?? 'numpy.maximum');
    if (reference.importEdit) edits.push(reference.importEdit);
    text = `${reference.text}(${source}, 1)`;
  }
  return {
    title: t('Clamp the count to at least 1'),
    safe: false,
    edits: [model.replace(denominator, text), ...edits],
  };
}

/** JavaScript numbers (`Math.sqrt(v)`) add with `+`; tensors need `.add`. */
function isPlainNumber(model: Model, node: Node): boolean {
  const operation = model.operationOf(node);
  return operation?.library === 'Math' || memberParts(unwrap(node))?.object.text === 'Math';
}

function inArgumentList(node: Node): boolean {
  return node.parent?.type === 'argument_list' || node.parent?.type === 'arguments';
}
