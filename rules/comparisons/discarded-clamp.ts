// NG702 discarded-clamp: a clamp or clip whose result is thrown away.
//
// What it does: flags a statement that is only a call to a pure clamp: `tf.clip_by_value(p, eps,
// 1 - eps)`, `np.clip(p, eps, 1)`, `torch.clamp(p, min=eps)`, `p.clamp(min=eps)`,
// `np.maximum(p, eps)`, `tf.clipByValue(p, 0, 1)`. The in-place forms (`clamp_`, `clip_`) and
// calls with an `out=` buffer are silent.
// Why is this bad? These functions return a new array or tensor and leave their input alone, so
// the statement does nothing: the unclamped value reaches the `log` or the division that the
// clamp was written to protect, and log(0) = -inf or 0 / 0 = NaN still happens.
// Use instead: assign the result back, `p = tf.clip_by_value(p, eps, 1 - eps)`, or use the
// in-place method `p.clamp_(min=eps)` where in-place is intended.
// Fix safety: safe. It makes the code do what it visibly intends; no value that the statement
// produced before was used.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { memberParts, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';

const PURE_BOUNDS = new Set(['clamp', 'clamp_min', 'clamp_max', 'maximum', 'minimum']);

export const discardedClamp: Rule = {
  meta: {
    code: 'NG702',
    name: 'discarded-clamp',
    family: 'comparisons',
    severity: 'error',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /clamp|clip|maximum|minimum/,
    summary: 'A clamp or clip whose result is discarded, so the value stays unclamped.',
    explanation:
      'clip, clamp, clip_by_value and maximum return a new value and leave their input unchanged, ' +
      'so a statement that only calls them does nothing: log(0) = -inf or 0 / 0 = NaN still ' +
      'happens downstream. Assign the result back (p = clip(p, ...)) or use the in-place clamp_.',
  },
  create(context) {
    const { model } = context;
    return {
      expressionStatement(node) {
        // Asked one by one: building the list of children costs more, for every statement.
        if (node.namedChildCount !== 1) return;
        const expression = node.firstNamedChild;
        if (!expression) return;
        const bound = model.operation(expression);
        if (!bound || !bound.input || !isPureBound(model, bound)) return;
        const later = nextUse(model, node, bound.input);

        context.report({
          node: bound.node,
          message: t(
            'The result of {0} is discarded: it returns a new value and leaves its input unchanged, so the value stays unclamped. Assign the result back.',
            calleeName(model, bound),
          ),
          related: later ? [{ node: later, message: t('The unclamped value is used here.') }] : [],
          fixes: () => assignBackFix(model, bound),
        });
      },
    };
  },
};

/** A clamp-like call that returns a new value: not `clamp_`, not with an `out=` buffer. */
function isPureBound(model: Model, operation: Operation): boolean {
  if (!PURE_BOUNDS.has(operation.op)) return false;
  if (operation.library === 'builtins' || operation.library === 'Math') return false;
  if (operation.call.keywords.has('out') || hasPositionalOut(operation)) return false;
  // `self.clip(...)` calls a method of the class being written, not a library clamp.
  if (operation.isMethod && /^(self|cls|this)$/.test(operation.input?.text ?? '')) return false;
  return !calleeName(model, operation).endsWith('_');
}

/**
 * NumPy's clip and maximum take the output array positionally too: `np.clip(a, lo, hi, out)`,
 * `a.clip(lo, hi, out)`, `np.maximum(a, b, out)`. No other library accepts an argument in that
 * place, so one there is an output buffer whatever the receiver's library.
 */
function hasPositionalOut(operation: Operation): boolean {
  const outIndex = operation.op === 'clamp' ? 2 : 1;
  return operation.rest.length > outIndex;
}

function calleeName(model: Model, operation: Operation): string {
  const member = memberParts(operation.call.callee);
  return member ? member.property : model.source(operation.call.callee);
}

/** The first read of the clamped name after the statement, in the same scope. */
function nextUse(model: Model, statement: Node, input: Node): Node | null {
  const target = unwrap(input);
  if (target.type !== 'identifier') return null;
  const scope = model.scopeOf(statement);
  for (const identifier of scope.descendantsOfType('identifier')) {
    if (
      identifier &&
      identifier.text === target.text &&
      identifier.startIndex >= statement.endIndex
    ) {
      return identifier;
    }
  }
  return null;
}

function assignBackFix(model: Model, bound: Operation): Fix[] {
  const target = bound.input ? unwrap(bound.input) : null;
  if (!target || !isAssignable(model, target)) return [];
  const name = model.source(target);
  return [
    {
      title: t('Assign the result back to {0}', name),
      safe: true,
      edits: [model.replace(bound.node, `${name} = ${model.source(bound.node)}`)],
    },
  ];
}

/** A name or attribute that can take the result: not a JavaScript `const`. */
function isAssignable(model: Model, target: Node): boolean {
  if (target.type === 'attribute' || target.type === 'member_expression') return true;
  if (target.type !== 'identifier') return false;
  if (model.dialect === 'python') return true;
  const binding = model.bindingAt(target);
  const declaration = binding?.target.parent?.parent;
  return !(declaration?.type === 'lexical_declaration' && declaration.text.startsWith('const'));
}
