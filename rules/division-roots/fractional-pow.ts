// NG505 fractional-pow: a power with an exponent between 0 and 1 of a value that can be 0 or
// negative, under autograd.
//
// What it does: flags `base ** g`, `torch.pow(base, g)` and `base.pow(g)` where g is a literal
// between 0 and 1 (or a variable or parameter whose value or default is one, such as a focal
// loss `gamma=0.5`) and the base is a probability (a sigmoid or softmax output, one minus one)
// or a difference, with no floor, in PyTorch, JAX and TensorFlow code.
// Why is this bad? The derivative of x ** g is g * x ** (g - 1), infinite at x = 0 when g < 1. A
// sigmoid saturates to exactly 0 or 1 in float32 for logits beyond about ±17 (about -104 for 0), so
// (1 - p) ** 0.5 is differentiated at 0 and backward returns NaN. A negative base gives NaN
// already in the forward pass.
// Use instead: clamp the base to a small positive minimum first:
// `(1 - p).clamp(min=1e-6) ** gamma`.
// Fix safety: unsafe. Bases below the floor change (to floor ** g: 1e-3 for g = 0.5).

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Library, Model } from '../engine/model';
import { numberValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { dependsOn, hasFloor, probabilityLike } from '../engine/values';
import { AUTODIFF_LIBRARIES, isOne } from '../precision/expressions';
import { floorText, onDifferentiablePath, operatorOnDifferentiablePath } from './autodiff-context';

export const fractionalPow: Rule = {
  meta: {
    code: 'NG505',
    name: 'fractional-pow',
    family: 'division-roots',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /pow|\*\*/,
    summary: 'A power below 1 (x ** 0.5, p ** gamma) of a value that can be 0, under autograd.',
    explanation:
      'The derivative of x ** g is g * x ** (g - 1), infinite at x = 0 when 0 < g < 1. Sigmoid ' +
      'and softmax outputs reach exactly 0 in float32, so backward gives NaN (and a negative base ' +
      'is NaN already). Clamp the base first: base.clamp(min=1e-6) ** g.',
  },
  create(context) {
    const { model } = context;
    return {
      binary(node) {
        const power = model.arithmetic(node);
        if (!power || power.operator !== '**') return;
        if (!operatorOnDifferentiablePath(model, node)) return;
        check(node, power.left, power.right, libraryOfValue(model, power.left));
      },
      call(node) {
        const power = model.operation(node);
        if (!power || power.op !== 'pow' || !power.input) return;
        if (!AUTODIFF_LIBRARIES.has(power.library) || !onDifferentiablePath(model, power)) return;
        const exponent = power.rest[0] ?? power.call.keywords.get('exponent');
        if (exponent) check(node, power.input, exponent, power.library);
      },
    };

    function check(node: Node, base: Node, exponentNode: Node, library: Library): void {
      const exponent = exponentValue(model, exponentNode);
      if (exponent === null || exponent <= 0 || exponent >= 1) return;
      if (!canReachZero(model, base) || hasFloor(model, base)) return;
      context.report({
        node,
        message: t(
          'A power of {0} (below 1) of a value that can be 0: its derivative is infinite at 0, so backward gives NaN when the value saturates. Clamp the base to a small positive minimum first.',
          String(exponent),
        ),
        fixes: () => floorFix(model, base, library),
      });
    }
  },
};

/**
 * The autodiff library that computes a value, from the first library function found in it
 * (`jax.nn.sigmoid` in `1 - p`), else the library the file's tensors most likely belong to.
 */
function libraryOfValue(model: Model, value: Node): Library {
  let found: Library | null = null;
  dependsOn(model, value, (node) => {
    const operation = model.operation(node);
    if (!operation || operation.isMethod || !AUTODIFF_LIBRARIES.has(operation.library)) {
      return false;
    }
    found = operation.library;
    return true;
  });
  return found ?? model.tensorLibrary();
}

/** A literal exponent, or the literal value or default of the variable or parameter used. */
function exponentValue(model: Model, node: Node): number | null {
  const literal = numberValue(model.resolve(node));
  if (literal !== null) return literal;
  const inner = unwrap(node);
  if (inner.type !== 'identifier') return null;
  const binding = model.bindingAt(inner);
  if (binding?.kind !== 'parameter') return null;
  const parameter = binding.target.parent;
  if (!parameter || !/default_parameter/.test(parameter.type)) return null;
  const value = parameter.childForFieldName('value');
  return value ? numberValue(value) : null;
}

/** A probability (sigmoid, softmax, one minus one) or a difference of two values. */
function canReachZero(model: Model, base: Node): boolean {
  if (probabilityLike(model, base)) return true;
  const difference = model.arithmetic(model.resolve(base));
  if (difference?.operator !== '-') return false;
  return (
    numberValue(difference.right) === null &&
    (isOne(difference.left) || numberValue(difference.left) === null)
  );
}

/** A fixed floor: an `eps` in scope is often 1e-8, whose 0.5 power is too small to help. */
const BASE_FLOOR = '1e-6';

function floorFix(model: Model, base: Node, library: Library): Fix[] {
  const floor = BASE_FLOOR;
  const floored = floorText(model, library, unwrap(base), floor);
  return [
    {
      title: t('Clamp the base to at least {0}', floor),
      safe: false,
      edits: [
        model.replace(base, floored.text),
        ...(floored.importEdit ? [floored.importEdit] : []),
      ],
    },
  ];
}
